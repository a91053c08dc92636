using System;
using System.Diagnostics;
using System.IO;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// Packs GradLint and GradLint.Runtime once per test run into a local folder feed, with a
    /// version of their own (so the NuGet cache can never serve stale bits), and writes a consumer
    /// project outside the repository that installs them from that feed as a user would.
    /// </summary>
    public sealed class PackagedConsumerFixture : IDisposable
    {
        public PackagedConsumerFixture()
        {
            var watch = Stopwatch.StartNew();
            Root = Path.Combine(Path.GetTempPath(), "gradlint-e2e-" + Path.GetRandomFileName());
            Feed = Path.Combine(Root, "feed");
            Version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Environment.ProcessId;
            Directory.CreateDirectory(Feed);
            foreach (var project in new[] { "GradLint.Package", "GradLint.Runtime" })
            {
                var (code, log) = DotNet.Run(RepoPaths.Root, $"pack {project} -c Release -o \"{Feed}\" -p:GradLintVersion={Version}");
                if (code != 0)
                {
                    throw new InvalidOperationException($"dotnet pack {project} failed:\n{log}");
                }
            }

            File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="gradlint-local" value="{Feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            PackSeconds = watch.Elapsed.TotalSeconds;
        }

        /// <summary>A folder outside the repository holding the feed, nuget.config and the consumer projects.</summary>
        public string Root { get; }

        public string Feed { get; }

        public string Version { get; }

        public double PackSeconds { get; }

        /// <summary>The training loop a user writes: no zero_grad() (GL1002) and no clipping (GL1001).</summary>
        public const string RiskyProgram = """
            using TorchSharp;
            using static TorchSharp.torch;

            namespace Consumer
            {
                public static class Program
                {
                    public static void Main()
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.SGD(model.parameters(), 0.01);
                        var x = randn(8, 4);
                        var y = randn(8, 1);
                        for (int i = 0; i < 3; i++)
                        {
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                        }
                    }
                }
            }
            """;

        /// <summary>Line and column (1-based) of <c>optimizer.step()</c> in <see cref="RiskyProgram"/>.</summary>
        public const int StepLine = 18, StepColumn = 17;

        /// <summary>Writes a fresh consumer project into its own folder under <see cref="Root"/>.</summary>
        public string CreateProject(string name, string program, bool withRuntime = false, string? editorConfig = null)
        {
            var dir = Path.Combine(Root, name);
            Directory.CreateDirectory(dir);
            var runtime = withRuntime ? $"""<PackageReference Include="GradLint.Runtime" Version="{Version}" />""" : "";
            File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
                    <PackageReference Include="GradLint" Version="{Version}" PrivateAssets="all" />
                    {runtime}
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
            if (editorConfig is not null)
            {
                File.WriteAllText(Path.Combine(dir, ".editorconfig"), "root = true\n\n[*.cs]\n" + editorConfig);
            }

            return dir;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
                // The e2e versions this run put into the NuGet cache.
                var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                foreach (var id in new[] { "gradlint", "gradlint.runtime" })
                {
                    var folder = Path.Combine(cache, id, Version);
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
            }
            catch (IOException)
            {
                // A temp folder left behind is not worth failing a test run for.
            }
        }
    }

    [CollectionDefinition(Name)]
    public sealed class PackagedConsumerCollection : ICollectionFixture<PackagedConsumerFixture>
    {
        public const string Name = "Packaged consumer";
    }
}
