using System.Collections.Generic;
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// Packs the <c>gradlint</c> .NET tool once per test run into a local feed, with a version of its own, and
    /// installs it from there into a temporary tool path — as <c>dotnet tool install</c> does for a user.
    /// </summary>
    public sealed class InstalledToolFixture : IDisposable
    {
        public InstalledToolFixture()
        {
            var watch = Stopwatch.StartNew();
            Root = Path.Combine(Path.GetTempPath(), "gradlint-tool-" + Path.GetRandomFileName());
            var feed = Feed = Path.Combine(Root, "feed");
            var tools = Path.Combine(Root, "tools");
            Version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Environment.ProcessId;
            Directory.CreateDirectory(feed);
            var (packCode, packLog) = DotNet.Run(RepoPaths.Root, $"pack GradLint.Cli -c Release -o \"{feed}\" -p:GradLintVersion={Version}");
            if (packCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack GradLint.Cli failed:\n{packLog}");
            }

            var (installCode, installLog) = DotNet.Run(Root, $"tool install GradLint.Cli --tool-path \"{tools}\" --add-source \"{feed}\" --version {Version}");
            if (installCode != 0)
            {
                throw new InvalidOperationException($"dotnet tool install GradLint.Cli failed:\n{installLog}");
            }

            Command = Path.Combine(tools, OperatingSystem.IsWindows() ? "gradlint.exe" : "gradlint");
            Work = Path.Combine(Root, "work");
            Directory.CreateDirectory(Work);
            InstallSeconds = watch.Elapsed.TotalSeconds;
        }

        public string Root { get; }

        /// <summary>The local feed the tool was packed into.</summary>
        public string Feed { get; }

        /// <summary>A folder outside the repository for the files the tests check.</summary>
        public string Work { get; }

        public string Version { get; }

        /// <summary>The installed <c>gradlint</c> executable.</summary>
        public string Command { get; }

        public double InstallSeconds { get; }

        /// <summary>Runs the installed tool; standard output and standard error apart.</summary>
        public (int ExitCode, string Output, string Error) Run(string workingDirectory, string arguments, int timeoutSeconds = 300, IReadOnlyDictionary<string, string>? environment = null) =>
            DotNet.RunProgram(Command, workingDirectory, arguments, timeoutSeconds, environment);

        /// <summary>A fresh folder under <see cref="Work"/>.</summary>
        public string NewFolder(string name)
        {
            var folder = Path.Combine(Work, name + "-" + Path.GetRandomFileName());
            Directory.CreateDirectory(folder);
            return folder;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
                var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                var folder = Path.Combine(cache, "gradlint.cli", Version);
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // A temp folder left behind is not worth failing a test run for.
            }
        }
    }

    [CollectionDefinition(Name)]
    public sealed class InstalledToolCollection : ICollectionFixture<InstalledToolFixture>
    {
        public const string Name = "Installed gradlint tool";
    }
}
