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
        // A method calls a few dozen distinct names: a list searched in order costs less to build than a hash set.
        private readonly List<string> names;

        private InvokedNameSet(List<string> names) => this.names = names;

        public static InvokedNameSet Of(SyntaxNode node)
        {
            var names = new List<string>(16);
            foreach (var descendant in node.DescendantNodes())
            {
                if (descendant is InvocationExpressionSyntax call && CandidateInvocations.InvokedName(call) is { } name && !Contains(names, name))
                {
                    names.Add(name);
                }
            }

            return new InvokedNameSet(names);
        }

        public bool Contains(string name) => Contains(names, name);

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

        private static bool Contains(List<string> names, string name)
        {
            foreach (var candidate in names)
            {
                if (string.Equals(candidate, name, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
