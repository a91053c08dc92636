using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace GradLint.StaticCheck
{
    /// <summary>The metadata references a TorchSharp training file compiles against.</summary>
    public static class TorchSharpReferences
    {
        /// <summary>
        /// The framework assemblies this process runs on plus the TorchSharp assembly it loaded: no
        /// download, and the analyzers see the real TorchSharp symbols (a rule that matched the wrong
        /// symbol would find nothing).
        /// </summary>
        public static ImmutableArray<MetadataReference> ForRunningProcess()
        {
            var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty).Split(Path.PathSeparator);
            return trusted
                .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
                .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
                .Append(typeof(TorchSharp.torch).Assembly.Location)
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToImmutableArray();
        }
    }
}
