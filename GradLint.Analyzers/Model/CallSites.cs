using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Every call in a compilation, by the simple name of the method it calls — built from syntax on
    /// first use (an analyzer may read any tree's syntax, not another tree's semantic model) and shared
    /// by the rules of one compilation. Matching is by name, so it can only over-count call sites.
    /// </summary>
    internal sealed class CallSites
    {
        private readonly Lazy<Dictionary<string, List<InvocationExpressionSyntax>>> byName;

        public CallSites(Compilation compilation, CancellationToken cancellationToken)
        {
            byName = new Lazy<Dictionary<string, List<InvocationExpressionSyntax>>>(() => Build(compilation, cancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public IReadOnlyList<InvocationExpressionSyntax> Named(string name) =>
            byName.Value.TryGetValue(name, out var calls) ? calls : (IReadOnlyList<InvocationExpressionSyntax>)Array.Empty<InvocationExpressionSyntax>();

        private static Dictionary<string, List<InvocationExpressionSyntax>> Build(Compilation compilation, CancellationToken cancellationToken)
        {
            var index = new Dictionary<string, List<InvocationExpressionSyntax>>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                foreach (var call in tree.GetRoot(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (CandidateInvocations.InvokedName(call) is { } name)
                    {
                        if (!index.TryGetValue(name, out var list))
                        {
                            index[name] = list = new List<InvocationExpressionSyntax>();
                        }

                        list.Add(call);
                    }
                }
            }

            return index;
        }
    }
}
