using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// eng/TorchSharpNativePatch.targets marks GLIBCXX_3.4.32 weak in the *output* copy of
    /// libLibTorchSharp.so only when the system libstdc++ lacks it, and never touches the NuGet cache.
    /// </summary>
    public class TorchSharpNativePatchTests
    {
        private const string RelativePath = "runtimes/linux-x64/native/libLibTorchSharp.so";

        private static string PackageFolder()
        {
            var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(root, "torchsharp", "0.107.0");
        }

        private static bool SystemHasGlibcxx3432()
        {
            var lib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6" }.FirstOrDefault(File.Exists);
            return lib is not null && Encoding.ASCII.GetString(File.ReadAllBytes(lib)).Contains("GLIBCXX_3.4.32\0", StringComparison.Ordinal);
        }

        [Fact]
        public void Output_copy_differs_from_the_package_in_at_most_the_one_flag_and_the_cache_is_untouched()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
            {
                return; // the patch only exists for linux-x64
            }

            var cached = Path.Combine(PackageFolder(), RelativePath);
            var output = Path.Combine(AppContext.BaseDirectory, RelativePath);
            Assert.True(File.Exists(cached), $"expected the TorchSharp package in the NuGet cache at {cached}");
            Assert.True(File.Exists(output), $"expected the native library in the test output at {output}");

            // The cache holds exactly what the .nupkg holds.
            var nupkg = Directory.GetFiles(PackageFolder(), "*.nupkg").Single();
            byte[] original;
            using (var zip = ZipFile.OpenRead(nupkg))
            using (var stream = new MemoryStream())
            {
                zip.GetEntry(RelativePath)!.Open().CopyTo(stream);
                original = stream.ToArray();
            }

            Assert.Equal(original, File.ReadAllBytes(cached));

            var patched = File.ReadAllBytes(output);
            Assert.Equal(original.Length, patched.Length);
            var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
            if (SystemHasGlibcxx3432())
            {
                Assert.Empty(differing);
            }
            else
            {
                // vna_flags gains VER_FLG_WEAK (0x2): one byte, one bit.
                var at = Assert.Single(differing);
                Assert.Equal(0x2, original[at] ^ patched[at]);
            }
        }
    }
}
