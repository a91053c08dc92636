using System.IO;
using System.IO.Compression;
using System.Linq;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>`dotnet pack` produces the two packages users install, with the right contents.</summary>
    public class PackageContentsTests
    {
        [Fact]
        public void Pack_produces_the_analyzer_package_and_the_runtime_package()
        {
            var output = Path.Combine(Path.GetTempPath(), "gradlint-pack-" + Path.GetRandomFileName());
            try
            {
                foreach (var project in new[] { "GradLint.Package", "GradLint.Runtime" })
                {
                    var (code, log) = DotNet.Run(RepoPaths.Root, $"pack {project} -c Release -o \"{output}\"");
                    Assert.True(code == 0, $"dotnet pack {project} failed:\n{log}");
                }

                var analyzerPackage = Assert.Single(Directory.GetFiles(output, "GradLint.0*.nupkg"));
                using (var zip = ZipFile.OpenRead(analyzerPackage))
                {
                    var names = zip.Entries.Select(e => e.FullName).ToList();
                    Assert.Contains("analyzers/dotnet/cs/GradLint.Analyzers.dll", names);
                    Assert.Contains("analyzers/dotnet/cs/GradLint.CodeFixes.dll", names);
                    Assert.DoesNotContain(names, n => n.StartsWith("lib/"));
                    var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
                    Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
                }

                var runtimePackage = Assert.Single(Directory.GetFiles(output, "GradLint.Runtime.*.nupkg"));
                using (var zip = ZipFile.OpenRead(runtimePackage))
                {
                    Assert.Contains("lib/net8.0/GradLint.Runtime.dll", zip.Entries.Select(e => e.FullName));
                    var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
                    Assert.Contains("id=\"TorchSharp\"", nuspec);
                    Assert.DoesNotContain("TorchSharp-cpu", nuspec);
                    Assert.DoesNotContain("libtorch", nuspec);
                }
            }
            finally
            {
                if (Directory.Exists(output))
                {
                    Directory.Delete(output, recursive: true);
                }
            }
        }
    }
}
