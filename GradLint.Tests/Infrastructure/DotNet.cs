using System;
using System.Diagnostics;
using System.Text;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Runs the real `dotnet` CLI (pack, build, format) and captures what it prints.</summary>
    public static class DotNet
    {
        public static (int ExitCode, string Output) Run(string workingDirectory, string arguments, int timeoutSeconds = 300)
        {
            var info = new ProcessStartInfo("dotnet", arguments)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["DOTNET_NOLOGO"] = "1";
            // Keep the child's MSBuild from attaching to the node the test host came from.
            info.Environment["MSBUILDNOINPROCNODE"] = "1";
            // Leave nothing running after the test: no MSBuild nodes, no compiler server.
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "false";
            info.Environment["UseSharedCompilation"] = "false";
            info.Environment.Remove("MSBuildExtensionsPath");
            info.Environment.Remove("MSBUILD_EXE_PATH");
            info.Environment.Remove("MSBuildSDKsPath");

            var output = new StringBuilder();
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet {arguments} did not finish in {timeoutSeconds} s:\n{output}");
            }

            process.WaitForExit();
            return (process.ExitCode, output.ToString());
        }
    }
}
