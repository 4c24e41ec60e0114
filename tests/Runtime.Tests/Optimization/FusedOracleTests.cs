using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using WdGen.Optimization;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>The engine against PyTorch 1.13 (live, via /usr/bin/python3) and against committed golden results.</summary>
    public sealed class FusedOracleTests
    {
        private readonly ITestOutputHelper _output;

        public FusedOracleTests(ITestOutputHelper output) => _output = output;

        [OracleFact]
        public void AdamW_matches_torch_on_random_cases() => Differential("adamw", 100);

        [OracleFact]
        public void Adam_matches_torch_on_random_cases() => Differential("adam", 200);

        [OracleFact]
        public void Sgd_matches_torch_on_random_cases() => Differential("sgd", 300);

        [Fact]
        public void Golden_cases_match_committed_torch_results()
        {
            var files = Directory.GetFiles(PythonOracle.GoldenDirectory, "*.json").Where(f => !f.EndsWith("seed000.json")).ToArray();
            Assert.True(files.Length >= 6, "golden cases missing");
            foreach (var file in files)
            {
                var c = JsonSerializer.Deserialize<OracleCase>(File.ReadAllText(file), OracleCase.Json)!;
                foreach (var threads in new[] { 1, 3 })
                {
                    var s = OracleCompare.Compare(c, c.Expected!, c.RunFused(threads, chunk: 5));
                    _output.WriteLine($"{Path.GetFileName(file)} threads={threads}: {s.Elements} elements, {s.Different} differ, max rel {s.MaxRelative:G3} {s.Worst}");
                    Assert.True(s.MaxRelative <= OracleCompare.MaxRelativeError, $"{Path.GetFileName(file)}: {s.Worst}");
                }
            }
        }

        private void Differential(string algorithm, int seedBase)
        {
            var cases = Enumerable.Range(seedBase, 8).Select(seed => RandomCases.Make(algorithm, seed, steps: 10)).ToList();
            var torch = OracleCase.RunTorch(cases);
            long total = 0, different = 0;
            for (var i = 0; i < cases.Count; i++)
            {
                var s = OracleCompare.Compare(cases[i], torch[i], cases[i].RunFused(threads: 1 + i % 3, chunk: 1 + 37 * i));
                _output.WriteLine($"{algorithm} case {i}: {s.Elements} elements, {s.Different} differ, max rel {s.MaxRelative:G3} {s.Worst}");
                total += s.Elements;
                different += s.Different;
                Assert.True(s.MaxRelative <= OracleCompare.MaxRelativeError, $"{algorithm} case {i}: max rel {s.MaxRelative:G3} at {s.Worst}");
            }

            _output.WriteLine($"{algorithm}: {total} elements compared, {different} not bit-identical");
        }
    }
}
