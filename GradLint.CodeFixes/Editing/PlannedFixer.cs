using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>
    /// Base of GradLint's fixers: each diagnostic becomes a plan made on the original tree; a
    /// single fix applies one plan, Fix All applies every plan of a document in one editor pass.
    /// That keeps Fix All right when plans touch code outside their diagnostic's span, or the same
    /// place (two optimizers in one loop).
    /// </summary>
    public abstract class PlannedFixer<TPlan> : CodeFixProvider
        where TPlan : class
    {
        /// <summary>The code actions this fixer offers: equivalence key and title.</summary>
        protected abstract IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, TPlan plan);

        /// <summary>Plans the edit for <paramref name="diagnostic"/> under action <paramref name="key"/>, or null when it cannot be fixed that way.</summary>
        protected abstract TPlan? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken);

        /// <summary>Applies <paramref name="plans"/>, all made on the original tree of the editor's document.</summary>
        protected abstract void Apply(DocumentEditor editor, IReadOnlyList<TPlan> plans, string key);

        /// <summary>The action keys to try, in the order their titles appear.</summary>
        protected abstract IEnumerable<string> Keys { get; }

        public sealed override FixAllProvider GetFixAllProvider() => new PlannedFixAll(this);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                // Another rule's diagnostic may sit on the same call (GL1001 and GL1002 both on `step()`): a host that hands
                // this fixer whatever diagnostic comes first (dotnet format does) must not get this rule's edit for it.
                if (!FixableDiagnosticIds.Contains(diagnostic.Id))
                {
                    continue;
                }

                foreach (var key in Keys)
                {
                    var plan = Plan(context.Document, root, model, diagnostic, key, context.CancellationToken);
                    if (plan is null)
                    {
                        continue;
                    }

                    foreach (var action in Actions(context.Document, diagnostic, plan).Where(a => a.Key == key))
                    {
                        context.RegisterCodeFix(
                            CodeAction.Create(action.Title, ct => ApplyAsync(context.Document, new[] { plan }, key, ct), key),
                            diagnostic);
                    }
                }
            }
        }

        private async Task<Document> ApplyAsync(Document document, IReadOnlyList<TPlan> plans, string key, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            Apply(editor, plans, key);
            return await FileIndentation.FormatAnnotatedAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private sealed class PlannedFixAll : DocumentBasedFixAllProvider
        {
            private readonly PlannedFixer<TPlan> fixer;

            public PlannedFixAll(PlannedFixer<TPlan> fixer) => this.fixer = fixer;

            protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            {
                var cancellationToken = fixAllContext.CancellationToken;
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                if (root is null || model is null)
                {
                    return document;
                }

                // No equivalence key: the host asked for Fix All without picking an action first (dotnet format does when the
                // first diagnostic it looked at belonged to another rule). Take the action a single fix offers first.
                var key = fixAllContext.CodeActionEquivalenceKey
                    ?? fixer.Keys.FirstOrDefault(k => diagnostics.Any(d => fixer.Plan(document, root, model, d, k, cancellationToken) is not null));
                if (key is null)
                {
                    return document;
                }

                var plans = diagnostics
                    .OrderBy(d => d.Location.SourceSpan.Start)
                    .Select(d => fixer.Plan(document, root, model, d, key, cancellationToken))
                    .Where(p => p is not null)
                    .Select(p => p!)
                    .ToList();
                return plans.Count == 0 ? document : await fixer.ApplyAsync(document, plans, key, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
