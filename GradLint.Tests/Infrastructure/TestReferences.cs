using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>
    /// What test sources compile against: this runtime's own framework assemblies and the real
    /// TorchSharp.dll the test project references (no download at test time), so a rule that
    /// matches the wrong symbol fails.
    /// </summary>
    public static class TestReferences
    {
        public static ImmutableArray<MetadataReference> Framework { get; } = LoadFramework();

        public static MetadataReference TorchSharp { get; } =
            MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location);

        public static MetadataReference GradLintRuntime { get; } =
            MetadataReference.CreateFromFile(typeof(global::GradLint.GradientNorms).Assembly.Location);

        public static ImmutableArray<MetadataReference> All { get; } = Framework.Add(TorchSharp);

        private static ImmutableArray<MetadataReference> LoadFramework()
        {
            var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            return trusted
                .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
                .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "System.dll"))
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToImmutableArray();
        }
    }
}
