using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Runtime;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// The analyzer-cost modes measure a compile, so they run with the garbage collector the compiler runs with: the
    /// SDK's csc and VBCSCompiler (the build server `dotnet build` uses) set <c>System.GC.Server</c> in their
    /// runtimeconfig. Under this process's default (workstation) GC the same compile spends about a quarter of its wall
    /// time in GC pauses instead of about an eighth, and the ratios weigh allocation more than a build does. The
    /// runtime benchmarks (the guard, the probe) keep the default: a training program runs with it.
    /// </summary>
    /// <remarks>
    /// GC mode is fixed at process start, so a mode that needs it starts this program again with
    /// <c>DOTNET_gcServer=1</c>. Setting <c>DOTNET_gcServer</c> yourself (0 or 1) chooses the mode and skips the
    /// restart: <c>DOTNET_gcServer=0</c> gives the workstation readings earlier sessions recorded.
    /// </remarks>
    internal static class CompilerGc
    {
        private const string Variable = "DOTNET_gcServer";

        public static bool RunsAnalyzerCost(string[] args) =>
            args.Length > 0 && ((args[0].StartsWith("--analyzer-", StringComparison.Ordinal) && args[0] != "--analyzer-pool")
                || args.Any(a => a.Contains("AnalyzerCost", StringComparison.Ordinal)));

        public static bool IsInEffect() =>
            GCSettings.IsServerGC || Environment.GetEnvironmentVariable(Variable) is { Length: > 0 };

        public static int RunAgainUnderIt(string[] args)
        {
            var host = Environment.ProcessPath ?? throw new InvalidOperationException($"Cannot find this process's executable to start it again under server GC; set {Variable}=1 and run again.");
            var start = new ProcessStartInfo(host) { UseShellExecute = false };
            if (string.Equals(System.IO.Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
            {
                start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);   // run as `dotnet GradLint.Benchmarks.dll …`
            }

            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment[Variable] = "1";
            using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host} again under server GC; set {Variable}=1 and run again.");
            child.WaitForExit();
            return child.ExitCode;
        }
    }
}
