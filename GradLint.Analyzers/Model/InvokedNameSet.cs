using System;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The simple names of the methods a piece of syntax invokes (<c>opt.step()</c> → <c>step</c>), lambdas and local
    /// functions included — the cheap, binding-free test the rules run before they bind a helper. Either a view of a
    /// range of its file's <see cref="SyntaxIndex"/> (<see cref="TorchContext.InvokedNames"/>: a superset, for gates) or
    /// the calls its syntax shows (<see cref="Exact"/>, for the few decisions taken by name alone); nothing is copied,
    /// and a name may occur more than once.
    /// </summary>
    internal readonly struct InvokedNameSet
    {
        private readonly string[] names;
        private readonly int start;
        private readonly int end;

        public InvokedNameSet(string[] names, int start, int end)
        {
            this.names = names;
            this.start = start;
            this.end = end;
        }

        /// <summary>The invoked names of exactly the calls inside <paramref name="node"/> (a syntax walk, not cached).</summary>
        public static InvokedNameSet Exact(Microsoft.CodeAnalysis.SyntaxNode node)
        {
            var names = new System.Collections.Generic.List<string>();
            SyntaxIndex.CollectCalls(node, new System.Collections.Generic.List<int>(), names);
            return new InvokedNameSet(names.ToArray(), 0, names.Count);
        }

        public int Count => end - start;

        public string this[int index] => names[start + index];

        public bool Contains(string name)
        {
            for (var i = start; i < end; i++)
            {
                if (string.Equals(names[i], name, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        public bool Any(Func<string, bool> predicate)
        {
            for (var i = start; i < end; i++)
            {
                if (predicate(names[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
