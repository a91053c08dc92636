using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// `dotnet pack` produces the two packages users install, with the right contents. Inspects the
    /// packages the end-to-end fixture packed (one pack per run: two packs of the same projects in
    /// parallel race on their shared bin/obj folders).
    /// </summary>
    [Collection(PackagedConsumerCollection.Name)]
    public class PackageContentsTests
    {
        private readonly PackagedConsumerFixture packages;

        public PackageContentsTests(PackagedConsumerFixture packages) => this.packages = packages;

        [Fact]
        public void Pack_produces_the_analyzer_package_and_the_runtime_package()
        {
            var analyzerPackage = Assert.Single(Directory.GetFiles(packages.Feed, $"GradLint.{packages.Version}.nupkg"));
            using (var zip = ZipFile.OpenRead(analyzerPackage))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("analyzers/dotnet/cs/GradLint.Analyzers.dll", names);
                Assert.Contains("analyzers/dotnet/cs/GradLint.CodeFixes.dll", names);
                Assert.DoesNotContain(names, n => n.StartsWith("lib/"));
                var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
                Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
            }

            var runtimePackage = Assert.Single(Directory.GetFiles(packages.Feed, $"GradLint.Runtime.{packages.Version}.nupkg"));
            using (var zip = ZipFile.OpenRead(runtimePackage))
            {
                Assert.Contains("lib/net8.0/GradLint.Runtime.dll", zip.Entries.Select(e => e.FullName));
                var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
                Assert.Contains("id=\"TorchSharp\"", nuspec);
                Assert.Contains("id=\"Microsoft.Extensions.Logging.Abstractions\"", nuspec);
                Assert.DoesNotContain("TorchSharp-cpu", nuspec);
                Assert.DoesNotContain("libtorch", nuspec);
            }
        }
    }
}
