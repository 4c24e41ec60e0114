using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// DIR/wdgen.json (read by combine.py) and DIR/wdgen.md, rewritten after every phase so a run that is killed still
    /// leaves what it measured.
    /// </summary>
    internal sealed class Report
    {
        private readonly string _directory;
        private readonly Options _options;
        private readonly DateTime _started = DateTime.UtcNow;

        public Report(string directory, Options options)
        {
            _directory = directory;
            _options = options;
        }

        public string Status { get; set; } = "running";

        public string? Reason { get; set; }

        public string Device { get; set; } = "(none)";

        public bool Emulated { get; set; }

        public List<CheckResult> Checks { get; set; } = new();

        public CopyBandwidth? Copy { get; set; }

        public List<BenchmarkRow> Rows { get; } = new();

        public string? BenchmarkError { get; set; }

        public long Elements => Checks.Sum(c => c.Elements);

        public long Mismatches => Checks.Sum(c => c.Mismatches);

        public bool Passed => Reason is null && BenchmarkError is null && Checks.All(c => c.Passed);

        public void Fail(string status, string reason)
        {
            Status = status;
            Reason = reason;
            Write();
        }

        public void Write()
        {
            File.WriteAllText(Path.Combine(_directory, "wdgen.json"), Json());
            File.WriteAllText(Path.Combine(_directory, "wdgen.md"), Markdown());
        }

        public string Json()
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("tool", "WdGen.Cuda.Device");
                json.WriteString("status", Status);
                if (Reason is not null)
                {
                    json.WriteString("reason", Reason);
                }

                json.WriteString("device", Device);
                json.WriteBoolean("emulated", Emulated);
                json.WriteBoolean("quick", _options.Quick);
                json.WriteString("dotnet", Environment.Version.ToString());
                json.WriteString("os", RuntimeInformation.OSDescription);
                json.WriteString("started_utc", _started.ToString("yyyy-MM-ddTHH:mm:ssZ"));
                json.WriteNumber("seconds", Math.Round((DateTime.UtcNow - _started).TotalSeconds, 1));
                json.WriteStartObject("correctness");
                json.WriteNumber("checks", Checks.Count);
                json.WriteNumber("failed_checks", Checks.Count(c => !c.Passed));
                json.WriteNumber("elements_compared", Elements);
                json.WriteNumber("mismatches", Mismatches);
                json.WriteStartArray("detail");
                foreach (var check in Checks)
                {
                    json.WriteStartObject();
                    json.WriteString("name", check.Name);
                    json.WriteString("description", check.Description);
                    json.WriteBoolean("passed", check.Passed);
                    json.WriteNumber("elements", check.Elements);
                    json.WriteNumber("mismatches", check.Mismatches);
                    json.WriteNumber("seconds", Math.Round(check.Seconds, 2));
                    if (check.Error is not null)
                    {
                        json.WriteString("error", check.Error);
                    }

                    json.WriteStartArray("first_mismatches");
                    check.Details.ForEach(json.WriteStringValue);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                if (Copy is { } copy)
                {
                    json.WriteStartObject("copy");
                    json.WriteNumber("bytes", copy.Bytes);
                    json.WriteNumber("trials", copy.Trials);
                    json.WriteNumber("median_ms", Round(copy.MedianMs));
                    json.WriteNumber("median_GBps", Math.Round(copy.MedianGBps, 1));
                    json.WriteNumber("best_GBps", Math.Round(copy.BestGBps, 1));
                    json.WriteEndObject();
                }

                if (BenchmarkError is not null)
                {
                    json.WriteString("benchmark_error", BenchmarkError);
                }

                json.WriteStartArray("benchmarks");
                foreach (var row in Rows)
                {
                    json.WriteStartObject();
                    json.WriteString("key", row.Key);
                    json.WriteString("label", row.Label);
                    json.WriteNumber("params", row.Parameters);
                    json.WriteNumber("tensors", row.Tensors);
                    json.WriteNumber("steps", row.Steps);
                    json.WriteNumber("median_ms", Round(row.MedianMs));
                    json.WriteNumber("min_ms", Round(row.MinMs));
                    json.WriteNumber("loop_ms", Round(row.LoopMs));
                    json.WriteNumber("host_ms", Round(row.HostMs));
                    json.WriteNumber("GBps", Math.Round(row.GBps, 1));
                    json.WriteNumber("loop_GBps", Math.Round(row.LoopGBps, 1));
                    json.WriteNumber("pct_of_copy", Math.Round(row.PercentOfCopy, 1));
                    json.WriteNumber("loop_pct_of_copy", Math.Round(row.LoopPercentOfCopy, 1));
                    json.WriteNumber("launches_per_step", row.Launches);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        }

        public string Markdown()
        {
            var md = new StringBuilder();
            md.AppendLine($"# WdGen CUDA engine on {Device}{(Emulated ? " -- EMULATION, timings mean nothing" : string.Empty)}");
            md.AppendLine();
            md.AppendLine($"Status: **{Status}**{(Reason is null ? string.Empty : ": " + Reason.TrimEnd('.'))}. {_started:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}{(_options.Quick ? ", --quick" : string.Empty)}.");
            md.AppendLine();
            if (Checks.Count > 0)
            {
                md.AppendLine($"Correctness (CUDA engine vs CPU engine, float bits after every step: parameters, step counts, every state buffer): "
                    + $"{Checks.Count} checks, {Checks.Count(c => !c.Passed)} failed, {Elements:N0} elements compared, **{Mismatches:N0} mismatches**.");
                md.AppendLine();
                md.AppendLine("| check | elements | mismatches | s |");
                md.AppendLine("|---|---:|---:|---:|");
                foreach (var check in Checks)
                {
                    md.AppendLine($"| {check.Name}{(check.Error is null ? string.Empty : " -- " + check.Error.Replace('|', '/'))} | {check.Elements:N0} | {check.Mismatches:N0} | {check.Seconds:F1} |");
                }

                foreach (var check in Checks.Where(c => c.Details.Count > 0))
                {
                    md.AppendLine();
                    md.AppendLine($"First mismatches of {check.Name} ({check.Description}):");
                    check.Details.ForEach(d => md.AppendLine("- " + d));
                }

                md.AppendLine();
            }

            if (Copy is { } copy)
            {
                md.AppendLine($"Copy bandwidth: device-to-device copies of {copy.Bytes >> 20} MiB counted as 2 x bytes, median of {copy.Trials} trials of 5 back-to-back copies: "
                    + $"{copy.MedianGBps:F0} GB/s (best {copy.BestGBps:F0} GB/s).");
                md.AppendLine();
            }

            if (Rows.Count > 0)
            {
                md.AppendLine("AdamW step (28 B/param), median of per-step times with a device synchronization around each step; loop: mean over a loop with one synchronization.");
                md.AppendLine();
                md.AppendLine("| set | params | tensors | median ms | min ms | loop ms | host ms | GB/s | % of copy | loop GB/s | launches/step |");
                md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var r in Rows)
                {
                    md.AppendLine($"| {r.Label} | {r.Parameters:N0} | {r.Tensors:N0} | {r.MedianMs:F3} | {r.MinMs:F3} | {r.LoopMs:F3} | {r.HostMs:F3} | {r.GBps:F0} | {r.PercentOfCopy:F1} | {r.LoopGBps:F0} | {r.Launches} |");
                }

                md.AppendLine();
            }

            if (BenchmarkError is not null)
            {
                md.AppendLine("Benchmark failed: " + BenchmarkError);
                md.AppendLine();
            }

            return md.ToString();
        }

        private static double Round(double ms) => Math.Round(ms, 4);
    }
}
