// A .NET startup hook (DOTNET_STARTUP_HOOKS) that the cold csc builds load: at exit, the process writes the bytes it
// allocated on all threads to the file WDGEN_ALLOCATION_FILE names. On this shared machine the CPU times of
// repeated builds scatter by several percent, while the bytes a build allocates repeat to a few tenths of a percent,
// so they resolve differences the timings cannot (a proxy for the compiler's work, not a time). The runtime looks
// the hook up by this exact name, without a namespace.
#pragma warning disable CA1050 // Declare types in namespaces: the runtime requires the global type StartupHook.
internal static class StartupHook
#pragma warning restore CA1050
{
    public const string FileVariable = "WDGEN_ALLOCATION_FILE";

    public static void Initialize()
    {
        if (System.Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } path)
        {
            System.AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                System.IO.File.WriteAllText(path, System.GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
