using System;
using System.Collections.Generic;
using System.Linq;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// A fixed set of simple names a rule looks for in code it has not bound (layer, loss or factory names); one instance
    /// per question, so that <see cref="TorchContext.CalledOrCreatedNames"/> can cache its answer per type.
    /// </summary>
    internal sealed class NameSet
    {
        public NameSet(IEnumerable<string> names) => Names = names.Distinct(StringComparer.Ordinal).ToArray();

        public IReadOnlyList<string> Names { get; }
    }
}
