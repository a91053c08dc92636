using System.Collections.Immutable;
using GradLint.Cli.Checking;
using Microsoft.CodeAnalysis;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>
    /// What test sources compile against: this runtime's own framework assemblies and the real
    /// TorchSharp.dll the test project references (no download at test time), so a rule that
    /// matches the wrong symbol fails. The same references the demo's checker uses.
    /// </summary>
    public static class TestReferences
    {
        public static ImmutableArray<MetadataReference> Framework { get; } = TorchSharpReferences.Framework();

        public static MetadataReference TorchSharp { get; } = TorchSharpReferences.TorchSharp();

        public static MetadataReference GradLintRuntime { get; } =
            MetadataReference.CreateFromFile(typeof(global::GradLint.GradientNorms).Assembly.Location);

        public static ImmutableArray<MetadataReference> All { get; } = Framework.Add(TorchSharp);
    }
}
