using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Options;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>
    /// Formats what a fix built (the nodes carrying <see cref="Formatter.Annotation"/>) with the file's own
    /// indentation — tabs, or its width of spaces — instead of the workspace's defaults (four spaces),
    /// which is what the code-action pipeline would otherwise use for a file with no .editorconfig.
    /// </summary>
    internal static class FileIndentation
    {
        public static async Task<Document> FormatAnnotatedAsync(Document document, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || !(root.GetAnnotatedNodes(Formatter.Annotation).Any() || root.GetAnnotatedNodes(Simplifier.Annotation).Any()))
            {
                return document;
            }

            OptionSet options = await document.GetOptionsAsync(cancellationToken).ConfigureAwait(false);
            var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            if (Infer(text) is var (useTabs, width))
            {
#pragma warning disable CS0618 // FormattingOptions.* are the public options of this Roslyn version
                options = options
                    .WithChangedOption(FormattingOptions.UseTabs, document.Project.Language, useTabs)
                    .WithChangedOption(FormattingOptions.IndentationSize, document.Project.Language, width)
                    .WithChangedOption(FormattingOptions.TabSize, document.Project.Language, width);
#pragma warning restore CS0618
            }

            // Simplify first (it marks what it shortens for formatting), then format with the file's options.
            var simplified = await Simplifier.ReduceAsync(document, Simplifier.Annotation, options, cancellationToken).ConfigureAwait(false);
            var formatted = await Formatter.FormatAsync(simplified, Formatter.Annotation, options, cancellationToken).ConfigureAwait(false);

            // Done: without the annotations, the pipeline's own passes (default options) leave these nodes alone.
            var formattedRoot = (await formatted.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            var annotated = formattedRoot.GetAnnotatedNodesAndTokens(Formatter.Annotation)
                .Concat(formattedRoot.GetAnnotatedNodesAndTokens(Simplifier.Annotation))
                .Distinct()
                .ToList();
            var cleaned = formattedRoot.ReplaceSyntax(
                annotated.Where(n => n.IsNode).Select(n => n.AsNode()!),
                (_, node) => node.WithoutAnnotations(Formatter.Annotation).WithoutAnnotations(Simplifier.Annotation),
                annotated.Where(n => n.IsToken).Select(n => n.AsToken()),
                (_, token) => token.WithoutAnnotations(Formatter.Annotation).WithoutAnnotations(Simplifier.Annotation),
                Enumerable.Empty<SyntaxTrivia>(),
                (_, trivia) => trivia);
            return formatted.WithSyntaxRoot(cleaned);
        }

        /// <summary>Tabs when most indented lines start with one; else spaces, one level being the greatest common divisor of the indentations (2 to 8). Null for a file with no indented line.</summary>
        internal static (bool UseTabs, int Width)? Infer(SourceText text)
        {
            int tabs = 0, spaces = 0, divisor = 0;
            foreach (var line in text.Lines)
            {
                var content = line.ToString();
                if (content.Trim().Length == 0)
                {
                    continue;
                }

                if (content[0] == '\t')
                {
                    tabs++;
                }
                else if (content[0] == ' ')
                {
                    spaces++;
                    var count = content.Length - content.TrimStart(' ').Length;
                    divisor = Gcd(divisor, count);
                }
            }

            if (tabs == 0 && spaces == 0)
            {
                return null;
            }

            return tabs > spaces ? (true, 4) : (false, divisor is >= 2 and <= 8 ? divisor : 4);
        }

        private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }
}
