using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// What the rules' cheap, binding-free gates read from one file, found once and read-only after that (shared by
    /// every analyzer and thread through <see cref="TorchContext"/>): the names the file may call, by position — from
    /// a scan of its text, not a walk of its syntax — and the methods its types declare.
    /// </summary>
    /// <remarks>
    /// <para>Why text: the gates run for every loop, training function and helper, and a syntax walk of a region costs
    /// about 100 ns a node (a full walk of the 1,000-file benchmark corpus: ~100 ms with its red nodes built, ~240 ms
    /// without); a scan of the same text for names followed by <c>(</c> takes ~2 ms (benchmarks/README.md, analyzer
    /// cost). A cache keyed by region, the design before, also took a lock for every region it added.</para>
    /// <para>What the scan finds is a superset of the calls: every identifier followed — past white space and comments —
    /// by <c>(</c> or <c>&lt;</c> (a generic call's type arguments), wherever it stands. So it also names declarations,
    /// keywords and words in comments or strings; for a gate that can only cost a binding, never a finding. A file whose
    /// identifiers may be spelled with Unicode escapes or formatting characters (whose value differs from their text) is
    /// read from its syntax instead.</para>
    /// </remarks>
    internal sealed class SyntaxIndex
    {
        private readonly int[] namePositions;
        private readonly string[] names;
        private readonly HashSet<string> methodNames;
        private readonly int[] escapes;   // sorted; empty when the names were read from the text

        private SyntaxIndex(string text, int[] namePositions, string[] names, HashSet<string> methodNames, int[] escapes)
        {
            Text = text;
            this.namePositions = namePositions;
            this.names = names;
            this.methodNames = methodNames;
            this.escapes = escapes;
        }

        // False: the names were read from the syntax's calls, which do not include declarations.
        private bool FromText => escapes.Length == 0;

        /// <summary>The file's whole text, kept for the searches of <see cref="IdentifierSearch"/> (no copy per search).</summary>
        public string Text { get; }

        public static SyntaxIndex Of(SyntaxTree tree)
        {
            var positions = new List<int>(128);
            var found = new List<string>(128);
            var text = tree.GetText().ToString();
            var escapes = ScanText(text, positions, found) ? System.Array.Empty<int>() : Escapes(text);
            if (escapes.Length > 0)
            {
                positions.Clear();
                found.Clear();
                CollectCalls(tree.GetRoot(), positions, found);
            }

            return new SyntaxIndex(text, positions.ToArray(), found.ToArray(), DeclaredMethodNames(tree), escapes);
        }

        /// <summary>
        /// True when no identifier in <paramref name="span"/> may be spelled other than its value, so that its text can be
        /// searched for a name (<see cref="IdentifierSearch"/>): a binary search of the places found once per file.
        /// </summary>
        public bool IsSearchable(TextSpan span)
        {
            if (FromText)
            {
                return true;
            }

            // The first escape at or after the span's start must lie past its end.
            var at = System.Array.BinarySearch(escapes, span.Start);
            var first = at >= 0 ? at : ~at;
            return first == escapes.Length || escapes[first] >= span.End;
        }

        /// <summary>
        /// Where an identifier's text may differ from its value: a Unicode escape (<c>\u0061</c>, <c>\U00000061</c>) or a
        /// formatting character. Other backslashes (<c>"\n"</c>, <c>@"C:\data"</c>) stand in literals and cannot.
        /// </summary>
        private static int[] Escapes(string text)
        {
            List<int>? found = null;
            for (var i = 0; i < text.Length; i++)
            {
                if (IsEscape(text, i))
                {
                    (found ??= new List<int>()).Add(i);
                }
            }

            return found is null ? System.Array.Empty<int>() : found.ToArray();
        }

        private static bool IsEscape(string text, int i)
        {
            var c = text[i];
            return (c == '\\' && i + 1 < text.Length && text[i + 1] is 'u' or 'U') || (c > 127 && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format);
        }

        /// <summary>The start and invoked name of every call inside <paramref name="node"/>, exactly, from its syntax.</summary>
        public static void CollectCalls(SyntaxNode node, List<int> positions, List<string> names)
        {
            foreach (var call in node.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (CandidateInvocations.InvokedName(call) is { } name)
                {
                    positions.Add(call.SpanStart);
                    names.Add(name);
                }
            }
        }

        /// <summary>The names that may be called inside <paramref name="node"/>'s span (a superset; see the remarks).</summary>
        public InvokedNameSet InvokedNames(SyntaxNode node)
        {
            var span = node.Span;
            var first = System.Array.BinarySearch(namePositions, span.Start);
            if (first < 0)
            {
                first = ~first;
            }
            else
            {
                while (first > 0 && namePositions[first - 1] == span.Start)
                {
                    first--;   // the syntax fallback records calls by start, and nested calls share one (a.b().c())
                }
            }

            var end = first;
            while (end < namePositions.Length && namePositions[end] < span.End)
            {
                end++;
            }

            return new InvokedNameSet(names, first, end);
        }

        /// <summary>True when a type of this file declares a method named <paramref name="name"/>.</summary>
        public bool DeclaresMethod(string name) => methodNames.Contains(name);

        /// <summary>True when a local function named <paramref name="name"/> is declared inside <paramref name="member"/>.</summary>
        public bool DeclaresLocalFunction(string name, SyntaxNode member)
        {
            // A declaration is one more occurrence of the name before "(" than the call being asked about: a name seen
            // once in the member is called, not declared there, and the member's syntax is not walked.
            var occurrences = FromText ? 0 : 2;
            var set = InvokedNames(member);
            for (var i = 0; i < set.Count; i++)
            {
                if (set[i] == name)
                {
                    occurrences++;
                }
            }

            if (occurrences <= 1)
            {
                return false;
            }

            // The name's occurrences in the member's text, looked up as tokens, instead of a walk of all its nodes.
            return IdentifierSearch.Any(member, this, member.Span, name, token => token.Parent is LocalFunctionStatementSyntax local && local.Identifier == token);
        }

        // The methods' names are read from type declarations only, never their bodies.
        private static HashSet<string> DeclaredMethodNames(SyntaxTree tree)
        {
            var methods = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var node in tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
            {
                if (node is MethodDeclarationSyntax method)
                {
                    methods.Add(method.Identifier.ValueText);
                }
            }

            return methods;
        }

        /// <summary>
        /// Every identifier of <paramref name="text"/> followed, past white space and comments, by <c>(</c> or <c>&lt;</c>,
        /// with its position; false (the lists partly filled) when the text has one of the <see cref="Escapes"/>, where an
        /// identifier may be spelled other than its value. One pass: every character is seen here or in an identifier's run,
        /// which no escape or formatting character can continue.
        /// </summary>
        private static bool ScanText(string text, List<int> positions, List<string> found)
        {
            var length = text.Length;
            var names = new NameTable();
            var i = 0;
            while (i < length)
            {
                var c = text[i];
                if (!IsIdentifierPart(c))
                {
                    if (IsEscape(text, i))
                    {
                        return false;
                    }

                    i++;
                    continue;
                }

                var start = i;
                while (i < length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                if (char.IsDigit(c))
                {
                    continue;   // a number (1e-5f), not a name
                }

                var next = SkipTrivia(text, i);
                if (next < length && (text[next] == '(' || text[next] == '<'))
                {
                    positions.Add(start);
                    found.Add(names.Get(text, start, i - start));
                }
            }

            return true;
        }

        /// <summary>
        /// One string per distinct name of a file: a file calls the same few dozen names (<c>forward</c>, <c>backward</c>, <c>item</c>,
        /// …) hundreds of times, and a new string per call was a tenth of GradLint's allocations on the benchmark's corpus.
        /// </summary>
        private sealed class NameTable
        {
            private string?[] slots = new string?[64];
            private int count;

            public string Get(string text, int start, int length)
            {
                var mask = slots.Length - 1;
                for (var slot = Hash(text, start, length) & mask; ; slot = (slot + 1) & mask)
                {
                    var name = slots[slot];
                    if (name is null)
                    {
                        name = text.Substring(start, length);
                        slots[slot] = name;
                        if (++count * 2 > slots.Length)
                        {
                            Grow();
                        }

                        return name;
                    }

                    if (name.Length == length && string.CompareOrdinal(name, 0, text, start, length) == 0)
                    {
                        return name;
                    }
                }
            }

            private void Grow()
            {
                var old = slots;
                slots = new string?[old.Length * 2];
                var mask = slots.Length - 1;
                foreach (var name in old)
                {
                    if (name is null)
                    {
                        continue;
                    }

                    var slot = Hash(name, 0, name.Length) & mask;
                    while (slots[slot] is not null)
                    {
                        slot = (slot + 1) & mask;
                    }

                    slots[slot] = name;
                }
            }

            private static int Hash(string text, int start, int length)
            {
                unchecked
                {
                    var hash = (int)2166136261;
                    for (var i = start; i < start + length; i++)
                    {
                        hash = (hash ^ text[i]) * 16777619;
                    }

                    return hash & int.MaxValue;
                }
            }
        }

        private static int SkipTrivia(string text, int i)
        {
            var length = text.Length;
            while (i < length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c == '/' && i + 1 < length && text[i + 1] == '/')
                {
                    i = text.IndexOf('\n', i);
                    if (i < 0)
                    {
                        return length;
                    }
                }
                else if (c == '/' && i + 1 < length && text[i + 1] == '*')
                {
                    var close = text.IndexOf("*/", i + 2, System.StringComparison.Ordinal);
                    if (close < 0)
                    {
                        return length;
                    }

                    i = close + 2;
                }
                else
                {
                    return i;
                }
            }

            return i;
        }

        private static bool IsIdentifierPart(char c) =>
            c < 128
                ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                : char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                    or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber;
    }
}
