using System;
using System.IO;
using WdGen.Tests.Shared;
using Xunit.Sdk;

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>
    /// Compares generated text with <c>Snapshots/NAME.verified.cs</c>. On a difference it writes
    /// <c>NAME.received.cs</c> beside it and fails; run with <c>WDGEN_ACCEPT_SNAPSHOTS=1</c> to accept the
    /// received text as the new verified snapshot (then review the diff before committing).
    /// </summary>
    internal static class Snapshot
    {
        public static void Verify(string name, string actual)
        {
            var directory = RepositoryPaths.Combine("tests", "Generator.Tests", "Snapshots");
            var verifiedPath = Path.Combine(directory, name + ".verified.cs");
            var receivedPath = Path.Combine(directory, name + ".received.cs");
            actual = actual.Replace("\r\n", "\n");

            if (Environment.GetEnvironmentVariable("WDGEN_ACCEPT_SNAPSHOTS") == "1")
            {
                Directory.CreateDirectory(directory);
                File.WriteAllText(verifiedPath, actual);
                File.Delete(receivedPath);
                return;
            }

            var expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
            if (expected == actual)
            {
                File.Delete(receivedPath);
                return;
            }

            File.WriteAllText(receivedPath, actual);
            throw new XunitException(
                (expected is null ? "No snapshot " + verifiedPath + " yet." : "Generated source differs from " + verifiedPath + ".")
                + " The output was written to " + receivedPath + "; compare them, and if the change is intended run the tests with WDGEN_ACCEPT_SNAPSHOTS=1.");
        }
    }
}
