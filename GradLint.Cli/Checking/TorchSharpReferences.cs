using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace GradLint.Cli.Checking
{
    /// <summary>The metadata references a TorchSharp training file compiles against.</summary>
    public static class TorchSharpReferences
    {
        /// <summary>
        /// The framework assemblies this process runs on plus the TorchSharp assembly it loaded: no
        /// download, and the analyzers see the real TorchSharp symbols (a rule that matched the wrong
        /// symbol would find nothing).
        /// </summary>
        public static ImmutableArray<MetadataReference> ForRunningProcess() => Framework().Add(TorchSharp());

        /// <summary>The framework assemblies (System.*, mscorlib, netstandard) this process runs on.</summary>
        public static ImmutableArray<MetadataReference> Framework()
        {
            var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty).Split(Path.PathSeparator);
            return trusted
                .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
                .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToImmutableArray();
        }

        /// <summary>The TorchSharp assembly this process loaded.</summary>
        public static MetadataReference TorchSharp() => MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location);
    }
}
