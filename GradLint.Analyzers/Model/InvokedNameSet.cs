using System;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The simple names of the methods a piece of syntax invokes (<c>opt.step()</c> → <c>step</c>), lambdas and local
    /// functions included — the cheap, binding-free test the rules run before they bind a helper. A view of a range of
    /// its file's <see cref="SyntaxIndex"/> (read through <see cref="TorchContext.InvokedNames"/>): nothing is copied,
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
