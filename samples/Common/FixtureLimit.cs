using System;

namespace WdGen.Samples
{
    /// <summary>
    /// Built against the TorchSharp API fixture (-p:TorchSharpMode=Fixture), a sample compiles and prints its decay plan
    /// and groups, then reaches math the fixture does not compute. This recognizes that case, so that the sample can
    /// say what happened instead of dumping a stack trace.
    /// </summary>
    internal static class FixtureLimit
    {
        public static bool Reached(Exception exception)
            => exception is NotImplementedException && exception.Message.Contains("fixture", StringComparison.OrdinalIgnoreCase);

        public static int Report(Exception exception)
        {
            Console.WriteLine();
            Console.WriteLine("Stopped: this build uses WdGen's TorchSharp API fixture, which compiles the sample but does not train models");
            Console.WriteLine("(" + exception.Message + ").");
            Console.WriteLine("Run it with TorchSharp: dotnet run --project samples/<name> -c Release  (or -p:TorchSharpAssembly=/path/TorchSharp.dll).");
            return 2;
        }
    }
}
