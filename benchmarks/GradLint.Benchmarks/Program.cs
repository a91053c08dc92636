using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace GradLint.Benchmarks
{
    public static class Program
    {
        /// <summary>
        /// In-process: the benchmarks use the build's own output (TorchSharp's native library patched
        /// for this OS, see eng/), and side-by-side cases share one process and one machine state.
        /// </summary>
        public static int Main(string[] args)
        {
            if (CompilerGc.RunsAnalyzerCost(args) && !CompilerGc.IsInEffect())
            {
                return CompilerGc.RunAgainUnderIt(args);
            }

            if (CompilerGc.RunsAnalyzerCost(args))
            {
                System.Console.WriteLine($"// GC: {(System.Runtime.GCSettings.IsServerGC ? "server, as the compiler runs" : "workstation (DOTNET_gcServer=0)")}");
            }

            if (args.Length > 0 && args[0] == "--analyzer-profile")
            {
                AnalyzerCostBenchmarks.Profile();
                return 0;
            }

            if (args.Length > 1 && args[0] == "--analyzer-ab")
            {
                AnalyzerCostBenchmarks.CompareWith(
                    args[1],
                    args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 7,
                    serial: IsSerial(args, 3));
                return 0;
            }

            if (args.Length > 1 && args[0] == "--analyzer-pool")
            {
                AnalyzerCostBenchmarks.Pool(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 2 && args[0] == "--analyzer-repeat")
            {
                AnalyzerCostBenchmarks.Repeat(
                    args[1],
                    int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
                    args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1000,
                    serial: IsSerial(args, 4));
                return 0;
            }

            if (args.Length > 0 && args[0] == "--analyzer-telemetry")
            {
                AnalyzerCostBenchmarks.Telemetry(
                    args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3,
                    perRule: args.Length > 2 && args[2] == "per-rule");
                return 0;
            }

            if (args.Length > 0 && args[0] == "--analyzer-check")
            {
                AnalyzerCostBenchmarks.Check();
                return 0;
            }

            if (args.Length > 1 && args[0] == "--third-party")
            {
                ThirdPartyCorpus.Run(args[1], args.Length > 2 ? args[2] : "GL");
                return 0;
            }

            if (args.Length > 0 && args[0] == "--probe-memory")
            {
                ProbeMemory.Run();
                return 0;
            }


            var job = Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(30);
            var config = DefaultConfig.Instance.AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
            return 0;
        }

        // The optional last argument of --analyzer-ab and --analyzer-repeat: a misspelt one fails instead of silently
        // running the parallel compile.
        private static bool IsSerial(string[] args, int index) =>
            args.Length > index && (args[index] == "serial"
                ? true
                : throw new System.ArgumentException($"'{args[index]}': the last argument of {args[0]} can only be 'serial' (one thread for the compiler and the driver)."));
    }
}
