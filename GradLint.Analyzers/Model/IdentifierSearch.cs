using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The identifiers of a given name in a span of a file, found by a search of the file's text and a token lookup at
    /// each occurrence — not by a walk of every node in the span (about 100 ns a node; the text search is vectorised).
    /// Occurrences in comments, strings and longer names are not identifiers and are skipped. A span whose identifiers
    /// may be spelled other than their value (a Unicode escape, a formatting character) is read token by token instead,
    /// with the same result.
    /// </summary>
    internal static class IdentifierSearch
    {
        /// <summary>
        /// Every identifier token named <paramref name="name"/> in <paramref name="span"/> of <paramref name="root"/>'s file (whose
        /// <see cref="SyntaxIndex"/> is <paramref name="file"/>), in source order.
        /// </summary>
        public static IEnumerable<SyntaxToken> Identifiers(SyntaxNode root, SyntaxIndex file, TextSpan span, string name)
        {
            foreach (var token in IdentifiersContaining(root, file, span, name, StringComparison.Ordinal))
            {
                if (token.ValueText == name)
                {
                    yield return token;   // @name included: its text holds the name one character in
                }
            }
        }

        /// <summary>
        /// Every identifier token whose name contains <paramref name="fragment"/> (compared as <paramref name="comparison"/>
        /// says), as <see cref="Identifiers"/>; an identifier that contains it twice is returned twice. The file's text is
        /// searched where it is, with no copy of the span.
        /// </summary>
        public static IEnumerable<SyntaxToken> IdentifiersContaining(SyntaxNode root, SyntaxIndex file, TextSpan span, string fragment, StringComparison comparison)
        {
            if (!file.IsSearchable(span))
            {
                foreach (var token in root.DescendantTokens(span))
                {
                    if (token.IsKind(SyntaxKind.IdentifierToken) && span.Contains(token.Span) && token.ValueText.IndexOf(fragment, comparison) >= 0)
                    {
                        yield return token;
                    }
                }

                yield break;
            }

            for (var from = span.Start; NextInText(root, file.Text, span, fragment, comparison, ref from, out var token);)
            {
                yield return token;
            }
        }

        /// <summary>
        /// True when an identifier named <paramref name="name"/> in <paramref name="span"/> satisfies <paramref name="predicate"/>:
        /// <c>Identifiers(…).Any(predicate)</c> without an iterator — most searches (GL1001's risk reading asks ~40 per step) find
        /// no occurrence at all, and the two iterators each of them allocated were a quarter of GradLint's allocations.
        /// </summary>
        public static bool Any(SyntaxNode root, SyntaxIndex file, TextSpan span, string name, Func<SyntaxToken, bool> predicate) =>
            AnyContaining(root, file, span, name, StringComparison.Ordinal, name, predicate);

        /// <summary><c>IdentifiersContaining(…).Any(predicate)</c> without an iterator (see <see cref="Any"/>).</summary>
        public static bool AnyContaining(SyntaxNode root, SyntaxIndex file, TextSpan span, string fragment, StringComparison comparison, Func<SyntaxToken, bool> predicate) =>
            AnyContaining(root, file, span, fragment, comparison, exactName: null, predicate);

        private static bool AnyContaining(SyntaxNode root, SyntaxIndex file, TextSpan span, string fragment, StringComparison comparison, string? exactName, Func<SyntaxToken, bool> predicate)
        {
            if (!file.IsSearchable(span))
            {
                foreach (var token in IdentifiersContaining(root, file, span, fragment, comparison))
                {
                    if ((exactName is null || token.ValueText == exactName) && predicate(token))
                    {
                        return true;
                    }
                }

                return false;
            }

            for (var from = span.Start; NextInText(root, file.Text, span, fragment, comparison, ref from, out var token);)
            {
                if ((exactName is null || token.ValueText == exactName) && predicate(token))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The next identifier token of <paramref name="span"/> whose text holds <paramref name="fragment"/> at or after
        /// <paramref name="from"/>, found by a search of <paramref name="text"/>; <paramref name="from"/> moves past the occurrence.
        /// </summary>
        private static bool NextInText(SyntaxNode root, string text, TextSpan span, string fragment, StringComparison comparison, ref int from, out SyntaxToken token)
        {
            while (from < span.End)
            {
                var at = text.IndexOf(fragment, from, span.End - from, comparison);
                if (at < 0)
                {
                    break;
                }

                from = at + fragment.Length;
                token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.Contains(at))
                {
                    return true;
                }
            }

            from = span.End;
            token = default;
            return false;
        }

        /// <summary>
        /// True when <paramref name="identifier"/> is the name <see cref="CandidateInvocations"/> reads from a call (<c>f(…)</c>,
        /// <c>x.f(…)</c>, <c>x?.f(…)</c>) or from an object creation (<c>new F(…)</c>, <c>new A.B.F(…)</c>, <c>new global::F(…)</c>).
        /// </summary>
        public static bool NamesACallOrCreation(SyntaxToken identifier)
        {
            if (identifier.Parent is not SimpleNameSyntax name)
            {
                return false;
            }

            SyntaxNode named = name.Parent switch
            {
                MemberAccessExpressionSyntax access when access.Name == name => access,
                MemberBindingExpressionSyntax binding when binding.Name == name => binding,
                QualifiedNameSyntax qualified when qualified.Right == name => qualified,
                AliasQualifiedNameSyntax alias when alias.Name == name => alias,
                _ => name,
            };
            return named.Parent switch
            {
                InvocationExpressionSyntax call => call.Expression == named,
                ObjectCreationExpressionSyntax creation => creation.Type == named,
                _ => false,
            };
        }
    }
}
