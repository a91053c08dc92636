using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// What the rules' cheap, binding-free tests read from one file's syntax, found in one pass and read-only after it
    /// (shared by every analyzer and thread through <see cref="TorchContext"/>): every named call by position, the methods
    /// its types declare, and its local functions.
    /// </summary>
    /// <remarks>
    /// Why one index per file rather than a walk per question: the tests run for every loop, training function and
    /// helper, their regions nest (a loop body inside a method inside a type), and a cache keyed by node took a lock
    /// for every region added — contended on every core (benchmarks/README.md, analyzer cost). A region's names are
    /// now a binary search on its span.
    /// </remarks>
    internal sealed class SyntaxIndex
    {
        // Calls in source order (a pre-order walk visits them by increasing start), and the simple name each invokes.
        private readonly int[] callStarts;
        private readonly string[] callNames;
        private readonly HashSet<string> methodNames;
        private readonly List<(string Name, TextSpan Span)> localFunctions;

        private SyntaxIndex(int[] callStarts, string[] callNames, HashSet<string> methodNames, List<(string Name, TextSpan Span)> localFunctions)
        {
            this.callStarts = callStarts;
            this.callNames = callNames;
            this.methodNames = methodNames;
            this.localFunctions = localFunctions;
        }

        public static SyntaxIndex Of(SyntaxTree tree)
        {
            var starts = new List<int>(256);
            var names = new List<string>(256);
            var methods = new HashSet<string>(System.StringComparer.Ordinal);
            var locals = new List<(string, TextSpan)>();
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                switch (node)
                {
                    case InvocationExpressionSyntax call when CandidateInvocations.InvokedName(call) is { } name:
                        starts.Add(call.SpanStart);
                        names.Add(name);
                        break;
                    case MethodDeclarationSyntax method:
                        methods.Add(method.Identifier.ValueText);
                        break;
                    case LocalFunctionStatementSyntax local:
                        locals.Add((local.Identifier.ValueText, local.Span));
                        break;
                }
            }

            return new SyntaxIndex(starts.ToArray(), names.ToArray(), methods, locals);
        }

        /// <summary>The names of the calls inside <paramref name="node"/>'s span (lambdas and local functions included).</summary>
        public InvokedNameSet InvokedNames(SyntaxNode node)
        {
            var span = node.Span;
            var first = System.Array.BinarySearch(callStarts, span.Start);
            if (first < 0)
            {
                first = ~first;
            }
            else
            {
                while (first > 0 && callStarts[first - 1] == span.Start)
                {
                    first--;   // nested calls share a start (a.b().c()): take them all
                }
            }

            var end = first;
            while (end < callStarts.Length && callStarts[end] < span.End)
            {
                end++;
            }

            return new InvokedNameSet(callNames, first, end);
        }

        /// <summary>True when a type of this file declares a method named <paramref name="name"/>.</summary>
        public bool DeclaresMethod(string name) => methodNames.Contains(name);

        /// <summary>True when a local function named <paramref name="name"/> is declared inside <paramref name="span"/>.</summary>
        public bool DeclaresLocalFunction(string name, TextSpan span)
        {
            foreach (var local in localFunctions)
            {
                if (span.Contains(local.Span) && local.Name == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
