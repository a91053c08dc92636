using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers
{
    /// <summary>
    /// The <c>.editorconfig</c> keys GradLint reads (documented in docs/configuration.md; a test
    /// keeps the two in agreement).
    /// </summary>
    internal static class GradLintOptions
    {
        /// <summary>Methods that clip gradients, besides TorchSharp's: <c>MyNamespace.MyType.MyClip, …</c>.</summary>
        public const string ClippingMethodsKey = "gradlint.clipping_methods";

        /// <summary>How many calls deep GL1001 follows helpers of this compilation looking for clipping (default 2; 1 to 5; beyond the first, in the helper's own type).</summary>
        public const string ClippingHelperDepthKey = "gradlint.clipping_helper_depth";

        public const int DefaultClippingHelperDepth = 2;

        /// <summary>The max_norm the GL1001 fix writes into clip_grad_norm_ (default 1.0).</summary>
        public const string DefaultMaxNormKey = "gradlint.default_max_norm";

        public const double DefaultMaxNorm = 1.0;

        /// <summary>The epsilon the GL2001 fix clamps a log's argument to (default 1e-7).</summary>
        public const string LogEpsilonKey = "gradlint.log_epsilon";

        public const double DefaultLogEpsilon = 1e-7;

        /// <summary>The epsilon the GL2008 fix clamps a sqrt's argument to (default 1e-12).</summary>
        public const string SqrtEpsilonKey = "gradlint.sqrt_epsilon";

        public const double DefaultSqrtEpsilon = 1e-12;

        /// <summary>The epsilon the GL2009 fix clamps a divisor to (default 1e-12).</summary>
        public const string DivisionEpsilonKey = "gradlint.div_epsilon";

        public const double DefaultDivisionEpsilon = 1e-12;

        /// <summary>The bound the GL2005 fix clamps an exp's argument to (default 80: exp(80) ≈ 5.5e34 &lt; float32's max).</summary>
        public const string ExpMaxKey = "gradlint.exp_max";

        public const double DefaultExpMax = 80;

        public static ImmutableHashSet<string> ClippingMethods(AnalyzerOptions options, SyntaxTree tree)
        {
            if (!options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ClippingMethodsKey, out var value) || string.IsNullOrWhiteSpace(value))
            {
                return ImmutableHashSet<string>.Empty;
            }

            var builder = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var part in value.Split(','))
            {
                var name = part.Trim();
                if (name.Length > 0)
                {
                    builder.Add(name);
                }
            }

            return builder.ToImmutable();
        }

        /// <summary>The configured helper depth, or the default when it is missing or not a whole number from 1 to 5.</summary>
        public static int ClippingHelperDepth(AnalyzerOptions options, SyntaxTree tree) =>
            options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ClippingHelperDepthKey, out var text)
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var depth) && depth >= 1 && depth <= 5
                ? depth
                : DefaultClippingHelperDepth;

        /// <summary>The configured max norm, or the default when it is missing or not a finite number &gt; 0.</summary>
        public static double MaxNorm(AnalyzerConfigOptions options) => PositiveNumber(options, DefaultMaxNormKey, DefaultMaxNorm);

        /// <summary>The configured log epsilon, or the default when it is missing or not a finite number &gt; 0.</summary>
        public static double LogEpsilon(AnalyzerConfigOptions options) => PositiveNumber(options, LogEpsilonKey, DefaultLogEpsilon);

        public static double SqrtEpsilon(AnalyzerConfigOptions options) => PositiveNumber(options, SqrtEpsilonKey, DefaultSqrtEpsilon);

        public static double DivisionEpsilon(AnalyzerConfigOptions options) => PositiveNumber(options, DivisionEpsilonKey, DefaultDivisionEpsilon);

        public static double ExpMax(AnalyzerConfigOptions options) => PositiveNumber(options, ExpMaxKey, DefaultExpMax);

        private static double PositiveNumber(AnalyzerConfigOptions options, string key, double fallback) =>
            options.TryGetValue(key, out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && value > 0 && !double.IsInfinity(value)
                ? value
                : fallback;

        /// <summary>A C# double literal for <paramref name="value"/> (<c>1.0</c>, <c>1E-07</c>).</summary>
        public static string Literal(double value)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.Contains(".") || text.Contains("E") ? text : text + ".0";
        }
    }
}
