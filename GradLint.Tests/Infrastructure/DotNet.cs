using System;
using System.Diagnostics;
using System.Text;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Runs the real `dotnet` CLI (pack, build, format) — or a tool it installed — and captures what it prints.</summary>
    public static class DotNet
    {
        public static (int ExitCode, string Output) Run(string workingDirectory, string arguments, int timeoutSeconds = 300)
        {
            var (code, output, error) = RunProgram("dotnet", workingDirectory, arguments, timeoutSeconds);
            return (code, output + error);
        }

        /// <summary>Runs <paramref name="program"/> with the test environment's MSBuild settings; standard output and error apart.</summary>
        public static (int ExitCode, string Output, string Error) RunProgram(string program, string workingDirectory, string arguments, int timeoutSeconds = 300, System.Collections.Generic.IReadOnlyDictionary<string, string>? environment = null)
        {
            var info = new ProcessStartInfo(program, arguments)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["DOTNET_NOLOGO"] = "1";
            if (program == "dotnet")
            {
                // Keep the child's MSBuild from attaching to the node the test host came from, and build with no compiler
                // server. (Not needed for the gradlint tool, which clears it for its MSBuildWorkspace's build host.)
                info.Environment["MSBUILDNOINPROCNODE"] = "1";
                info.Environment["UseSharedCompilation"] = "false";
            }

            // Leave nothing running after the test: no MSBuild nodes, no MSBuild server.
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "false";
            info.Environment.Remove("MSBuildExtensionsPath");
            info.Environment.Remove("MSBUILD_EXE_PATH");
            info.Environment.Remove("MSBuildSDKsPath");
            foreach (var (name, value) in environment ?? new System.Collections.Generic.Dictionary<string, string>())
            {
                info.Environment[name] = value;
            }

            var output = new StringBuilder();
            var error = new StringBuilder();
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {arguments} did not finish in {timeoutSeconds} s:\n{output}\n{error}");
            }

            process.WaitForExit();
            return (process.ExitCode, output.ToString(), error.ToString());
        }
    }
}
