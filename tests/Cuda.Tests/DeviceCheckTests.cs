using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Cuda.Tests
{
    /// <summary>
    /// The GPU check of tests/Cuda.Device, without a GPU: run.sh and the program stop at once, with one clear line and
    /// exit code 2, where there is no driver, no GPU or no published program; and the program itself, on the CPU
    /// emulation of the kernels, runs every check and the benchmark's code path, passes, and reports a mismatch when the
    /// kernels round differently. So a GPU's few minutes are spent measuring, not debugging the harness.
    /// </summary>
    public sealed class DeviceCheckTests : IDisposable
    {
        private static readonly string RunScript = RepositoryPaths.Combine("tests", "Cuda.Device", "run.sh");

        private readonly string _work = Directory.CreateTempSubdirectory("wdgen-device-check-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(_work, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        [BashFact]
        public void RunShStopsAtOnceWithoutNvidiaSmi()
        {
            var run = Bash(RunScript, new() { ["OUT"] = Out(), ["WDGEN_NVIDIA_SMI"] = "nvidia-smi-that-does-not-exist" });
            Assert.True(run.ExitCode == 2, run.Output);
            Assert.Contains("run.sh: nvidia-smi not found (nvidia-smi-that-does-not-exist): this machine has no NVIDIA driver", run.Output);
            Assert.True(run.Seconds < 10, $"took {run.Seconds:F1} s");
            Assert.Contains("nvidia-smi not found", File.ReadAllText(Path.Combine(Out(), "results.md")));
        }

        [BashFact]
        public void RunShStopsAtOnceWhenNvidiaSmiListsNoGpu()
        {
            var smi = FakeNvidiaSmi(gpu: false);
            var run = Bash(RunScript, new() { ["OUT"] = Out(), ["WDGEN_NVIDIA_SMI"] = smi });
            Assert.True(run.ExitCode == 2, run.Output);
            Assert.Contains("run.sh: nvidia-smi lists no GPU (exit 6): No devices were found", run.Output);
            Assert.True(run.Seconds < 10, $"took {run.Seconds:F1} s");
        }

        [BashFact]
        public void RunShStopsAtOnceWithoutThePublishedProgram()
        {
            var missing = Path.Combine(_work, "not-published");
            var run = Bash(RunScript, new() { ["OUT"] = Out(), ["WDGEN_NVIDIA_SMI"] = FakeNvidiaSmi(gpu: true), ["WDGEN_DEVICE_APP_DIR"] = missing });
            Assert.True(run.ExitCode == 2, run.Output);
            Assert.Contains($"{missing}/WdGen.Cuda.Device is missing: run tests/Cuda.Device/publish.sh first and carry artifacts/cuda-device", run.Output);
            Assert.True(run.Seconds < 10, $"took {run.Seconds:F1} s");
        }

        [NoGpuFact]
        public void TheProgramStopsAtOnceWithoutACudaDevice()
        {
            var run = RunProgram("--out", Out());
            Assert.True(run.ExitCode == 2, run.Output);
            var line = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("WdGen.Cuda.Device: no usable CUDA device: ", line);
            Assert.Contains(CudaBackend.UnavailableReason()!, line);
            Assert.True(run.Seconds < 15, $"took {run.Seconds:F1} s");
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out(), "wdgen.json")));
            Assert.Equal("no-device", json.RootElement.GetProperty("status").GetString());
        }

        [Fact]
        public void TheProgramRefusesToRunWithoutAnOutputFolder()
        {
            var run = RunProgram("--quick");
            Assert.True(run.ExitCode == 2, run.Output);
            Assert.Contains("--out DIR is required", run.Output);
            Assert.Contains("usage: WdGen.Cuda.Device --out DIR", run.Output);
        }

        [EmulationFact]
        public void TheProgramPassesEveryCheckOnTheKernelsCpuEmulation()
        {
            var run = RunProgram("--out", Out(), "--quick", "--emulate", Emulation(fused: false));
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("EMULATION", run.Output);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out(), "wdgen.json")));
            var root = json.RootElement;
            Assert.Equal("passed", root.GetProperty("status").GetString());
            Assert.True(root.GetProperty("emulated").GetBoolean());
            var correctness = root.GetProperty("correctness");
            Assert.Equal(0, correctness.GetProperty("mismatches").GetInt64());
            Assert.Equal(0, correctness.GetProperty("failed_checks").GetInt32());
            Assert.True(correctness.GetProperty("elements_compared").GetInt64() > 10_000_000);
            var names = correctness.GetProperty("detail").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
            foreach (var expected in new[] { "AdamW random scenario 1", "Adam random scenario 4", "SGD random scenario 2", "SGD unaligned device buffers (SetBuffers)", "AdamW, 5,000 tensors (> 4096 per launch)", "Adam, 40 groups (> 32 coefficient rows per launch)", "SGD state files CPU -> GPU -> CPU", "AdamW BFloat16 state", "Lion Int8 state" })
            {
                Assert.Contains(expected, names);
            }

            var rows = root.GetProperty("benchmarks").EnumerateArray().ToList();
            Assert.Equal(new[] { "gpt2", "small10k" }, rows.Select(r => r.GetProperty("key").GetString()));
            Assert.All(rows, r => Assert.True(r.GetProperty("median_ms").GetDouble() > 0 && r.GetProperty("launches_per_step").GetInt32() == 1));
            Assert.True(root.GetProperty("copy").GetProperty("median_GBps").GetDouble() > 0);
            Assert.Contains("**0 mismatches**", File.ReadAllText(Path.Combine(Out(), "wdgen.md")));
        }

        [EmulationFact]
        public void AKernelThatRoundsDifferentlyIsReportedAsMismatchesAndFailsTheRun()
        {
            if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !System.Runtime.Intrinsics.X86.Fma.IsSupported)
            {
                return; // the broken kernel is built with x86 FMA contraction
            }

            // The same kernel text compiled with FMA contraction: a*b+c rounded once instead of twice.
            var run = RunProgram("--out", Out(), "--quick", "--skip-benchmark", "--emulate", Emulation(fused: true));
            Assert.True(run.ExitCode == 1, run.Output);
            Assert.Contains("[FAIL]", run.Output);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out(), "wdgen.json")));
            Assert.Equal("failed", json.RootElement.GetProperty("status").GetString());
            Assert.True(json.RootElement.GetProperty("correctness").GetProperty("mismatches").GetInt64() > 0);
        }

        [EmulationFact]
        public void RunShRunsTheProgramAndCombinesWhatItHasIntoResults()
        {
            if (Python() is null)
            {
                return; // combine.py needs python3
            }

            // A GPU that nvidia-smi lists, the program as built (on the emulation), and no python with torch.
            var run = Bash(RunScript, new()
            {
                ["OUT"] = Out(),
                ["WDGEN_NVIDIA_SMI"] = FakeNvidiaSmi(gpu: true),
                ["WDGEN_DEVICE_APP_DIR"] = Path.GetDirectoryName(ProgramDll)!,
                ["WDGEN_DEVICE_ARGS"] = "--skip-correctness --emulate " + Emulation(fused: false),
                ["QUICK"] = "1",
                ["PYTHON"] = "python-without-torch-for-this-test",
            });
            Assert.True(run.ExitCode == 2, run.Output); // the PyTorch part could not run
            var results = File.ReadAllText(Path.Combine(Out(), "results.md"));
            Assert.Contains("# WdGen CUDA engine vs PyTorch's fused AdamW on CPU emulation of the CUDA kernels", results);
            Assert.Contains("WdGen.Cuda.Device exit 0 (ok); torch_fused_adamw.py exit 2", results);
            Assert.Matches(@"\| GPT-2 mini[^|]*\| [\d,]+ \| \d+ \| \d+\.\d{3} \|", results); // the WdGen figures of the emulated run
            Assert.Contains("PyTorch: torch.json was not written", results);
            Assert.Contains("driver's CUDA version: 13.0", results);
            foreach (var file in new[] { "env.txt", "gpu.csv", "wdgen.json", "wdgen.md", "wdgen.log", "torch.log" })
            {
                Assert.True(File.Exists(Path.Combine(Out(), file)), file + " missing");
            }
        }

        [Fact]
        public void ThePythonScriptsCompileAndThePyTorchScriptSaysClearlyWhenItCannotRun()
        {
            var python = Python();
            if (python is null)
            {
                return;
            }

            foreach (var script in new[] { "torch_fused_adamw.py", "combine.py" })
            {
                var compiled = Run(python, new[] { "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", RepositoryPaths.Combine("tests", "Cuda.Device", script), Path.Combine(_work, script + "c") }, null);
                Assert.True(compiled.ExitCode == 0, compiled.Output);
            }

            var torch = PythonWithTorch();
            if (torch is null)
            {
                var run = Run(python, new[] { RepositoryPaths.Combine("tests", "Cuda.Device", "torch_fused_adamw.py"), "--out", Out() }, null);
                Assert.True(run.ExitCode == 2, run.Output);
                Assert.Contains("torch_fused_adamw.py: PyTorch is not installed", run.Output);
                return;
            }

            var noCuda = Run(torch, new[] { "-c", "import torch; print(torch.cuda.is_available())" }, null).Output.Trim() == "False";
            if (noCuda)
            {
                var run = Run(torch, new[] { RepositoryPaths.Combine("tests", "Cuda.Device", "torch_fused_adamw.py"), "--out", Out() }, null);
                Assert.True(run.ExitCode == 2, run.Output);
                Assert.Contains("torch_fused_adamw.py: torch.cuda.is_available() is False", run.Output);
            }

            // On the CPU with tiny shapes: every path but the CUDA timing; fused=True is either timed or noted (torch < 2.0 lacks it).
            var cpu = Run(torch, new[] { RepositoryPaths.Combine("tests", "Cuda.Device", "torch_fused_adamw.py"), "--out", Path.Combine(_work, "cpu"), "--device", "cpu", "--tiny", "--steps", "2" }, null);
            Assert.True(cpu.ExitCode == 0, cpu.Output);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_work, "cpu", "torch.json")));
            var rows = json.RootElement.GetProperty("benchmarks").EnumerateArray().ToList();
            Assert.Equal(4, rows.Count);
            Assert.All(rows.Where(r => r.GetProperty("variant").GetString() == "foreach"), r => Assert.Equal("ok", r.GetProperty("status").GetString()));
            Assert.All(
                rows.Where(r => r.GetProperty("variant").GetString() == "fused" && r.GetProperty("status").GetString() != "ok"),
                r => Assert.Contains("AdamW(fused=True) is not available", r.GetProperty("note").GetString()));
        }

        private static string Configuration =>
            typeof(DeviceCheckTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

        /// <summary>The program as the build leaves it (the test project references it so it is built first).</summary>
        private static string ProgramDll => RepositoryPaths.Combine("tests", "Cuda.Device", "bin", Configuration, "net10.0", "WdGen.Cuda.Device.dll");

        private string Out() => Path.Combine(_work, "out");

        private (int ExitCode, string Output, double Seconds) RunProgram(params string[] arguments)
        {
            Assert.True(File.Exists(ProgramDll), ProgramDll + " is missing: build tests/Cuda.Device");
            return Run(Dotnet(), new[] { ProgramDll }.Concat(arguments), null);
        }

        private static (int ExitCode, string Output, double Seconds) Bash(string script, Dictionary<string, string> environment) =>
            Run("bash", new[] { script }, environment);

        /// <summary>A stand-in for nvidia-smi: with a GPU it answers -L, --query-gpu and the banner as an H200 with CUDA 13.0 would.</summary>
        private string FakeNvidiaSmi(bool gpu)
        {
            var path = Path.Combine(_work, gpu ? "nvidia-smi-h200" : "nvidia-smi-none");
            File.WriteAllText(path, gpu
                ? "#!/bin/sh\ncase \"$1\" in\n"
                  + "  -L) echo 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)' ;;\n"
                  + "  --query-gpu=*) echo 'name, memory.total [MiB], driver_version'; echo 'NVIDIA H200, 143771 MiB, 580.65.06' ;;\n"
                  + "  *) echo '| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0 |' ;;\n"
                  + "esac\n"
                : "#!/bin/sh\necho 'No devices were found'\nexit 6\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return path;
        }

        /// <summary>The kernels as the program composes them, compiled for the CPU (as publish.sh does); <paramref name="fused"/>: with FMA contraction, which changes roundings.</summary>
        private string Emulation(bool fused)
        {
            var directory = Path.Combine(_work, fused ? "emulation-fma" : "emulation");
            Directory.CreateDirectory(directory);
            var written = RunProgram("--write-kernel", Path.Combine(directory, "wdgen_kernels.cu"));
            Assert.True(written.ExitCode == 0, written.Output);
            var library = Path.Combine(directory, "libwdgen_cuda_emulation.so");
            var compiler = Tool.Find(Environment.GetEnvironmentVariable("WDGEN_CXX") is { Length: > 0 } c ? c : "g++", "g++", "c++", "clang++-16", "clang++")!;
            var arguments = new List<string> { "-std=c++17", "-O2", "-fPIC", "-shared" };
            arguments.AddRange(fused ? new[] { "-mfma", "-ffp-contract=fast" } : new[] { "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas", "-ffp-contract=off", "-fno-fast-math" });
            arguments.AddRange(new[] { "-I", KernelFiles.EmulationDirectory, "-I", directory, "-o", library, Path.Combine(KernelFiles.EmulationDirectory, "emulated_launch.cpp") });
            var built = Run(compiler, arguments, null);
            Assert.True(built.ExitCode == 0, built.Output);
            return library;
        }

        private static string Dotnet() =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

        private static string? Python() => Tool.Find("python3", "/usr/bin/python3");

        private static string? PythonWithTorch() =>
            new[] { "python3", "/usr/bin/python3" }.Select(p => Tool.Find(p)).FirstOrDefault(p => p != null && Run(p, new[] { "-c", "import torch" }, null).ExitCode == 0);

        private static (int ExitCode, string Output, double Seconds) Run(string file, IEnumerable<string> arguments, Dictionary<string, string>? environment)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The framework-dependent program's apphost (run by run.sh) finds the runtime that runs these tests.
            start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + file);
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(240_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in 4 minutes.");
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>A fact that runs bash scripts: Linux or macOS with bash on PATH.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class BashFactAttribute : FactAttribute
    {
        public BashFactAttribute()
        {
            if (OperatingSystem.IsWindows() || Tool.Find("bash") is null)
            {
                Skip = "run.sh needs bash on Linux";
            }
        }
    }

    /// <summary>A fact for a machine without a CUDA device (the no-device path); Skipped where a device exists.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class NoGpuFactAttribute : FactAttribute
    {
        public NoGpuFactAttribute()
        {
            if (CudaBackend.UnavailableReason() is null)
            {
                Skip = "a CUDA device is present: the program would run its checks instead of stopping";
            }
        }
    }
}
