using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The simple names of the methods a piece of syntax invokes (<c>opt.step()</c> → <c>step</c>), lambdas and local
    /// functions included — the cheap, binding-free test the rules run before they bind a helper. Built once per
    /// declaration by <see cref="TorchContext.InvokedNames"/>; read-only after that, so safe to share across threads.
    /// </summary>
    internal sealed class InvokedNameSet
    {
        private readonly HashSet<string> names;

        private InvokedNameSet(HashSet<string> names) => this.names = names;

        public static InvokedNameSet Of(SyntaxNode node)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var descendant in node.DescendantNodes())
            {
                if (descendant is InvocationExpressionSyntax call && CandidateInvocations.InvokedName(call) is { } name)
                {
                    names.Add(name);
                }
            }

            return new InvokedNameSet(names);
        }

        public bool Contains(string name) => names.Contains(name);

        public bool Any(Func<string, bool> predicate)
        {
            foreach (var name in names)
            {
                if (predicate(name))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
