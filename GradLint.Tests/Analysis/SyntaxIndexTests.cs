using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// Where a file's text may be searched for names instead of walking its syntax: everywhere but the spans that hold
    /// an identifier spelled other than its value (a Unicode escape, a formatting character). A backslash in a literal
    /// (<c>"\n"</c>, a Windows path) is not such a place, so ordinary files keep the fast path.
    /// </summary>
    public class SyntaxIndexTests
    {
        private const string Escaped = """
            class Escaped
            {
                void Helper() { }
                void Spelled() { var \u0061bc = 1; Helper(); }
                void Plain() { var text = "line\n\t\\ C:\\data"; Helper(); }
            }
            """;

        private static MethodDeclarationSyntax Method(SyntaxTree tree, string name) =>
            tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == name);

        [Fact]
        public void A_span_is_searchable_unless_it_holds_a_unicode_escape_or_a_formatting_character()
        {
            var tree = CSharpSyntaxTree.ParseText(Escaped);
            var index = SyntaxIndex.Of(tree);
            var spelled = Method(tree, "Spelled").Span;
            var escape = Escaped.IndexOf("\\u0061", System.StringComparison.Ordinal);

            Assert.False(index.IsSearchable(spelled));
            Assert.True(index.IsSearchable(Method(tree, "Plain").Span));   // its backslashes are in a literal
            Assert.True(index.IsSearchable(Method(tree, "Helper").Span));
            Assert.True(index.IsSearchable(TextSpan.FromBounds(spelled.Start, escape)));   // ends where the escape starts
            Assert.False(index.IsSearchable(TextSpan.FromBounds(escape, escape + 1)));

            var formatting = CSharpSyntaxTree.ParseText("class F { void M() { var a\u200Db = 1; } void N() { } }");
            var formattingIndex = SyntaxIndex.Of(formatting);
            Assert.False(formattingIndex.IsSearchable(Method(formatting, "M").Span));
            Assert.True(formattingIndex.IsSearchable(Method(formatting, "N").Span));
        }

        [Fact]
        public void A_file_whose_backslashes_stand_in_literals_is_read_from_its_text_and_one_with_an_escape_from_its_syntax()
        {
            // The text scan names every identifier before '(' — declarations too; the syntax fallback only calls.
            var literals = CSharpSyntaxTree.ParseText("""
                class Literals
                {
                    void Declared() { System.Console.Write("a\nb\\c"); Called(); }
                    void Called() { }
                }
                """);
            var fromText = SyntaxIndex.Of(literals).InvokedNames(literals.GetRoot());
            Assert.True(fromText.Contains("Declared"));
            Assert.True(fromText.Contains("Called"));

            var escaped = CSharpSyntaxTree.ParseText(Escaped);
            var fromSyntax = SyntaxIndex.Of(escaped).InvokedNames(escaped.GetRoot());
            Assert.False(fromSyntax.Contains("Spelled"));
            Assert.True(fromSyntax.Contains("Helper"));
        }

        [Fact]
        public void The_identifier_search_finds_an_escaped_name_by_its_value_and_a_plain_one_beside_it_by_its_text()
        {
            var tree = CSharpSyntaxTree.ParseText(Escaped);
            var index = SyntaxIndex.Of(tree);
            var root = tree.GetRoot();

            var escaped = IdentifierSearch.Identifiers(root, index, Method(tree, "Spelled").Span, "abc").ToList();
            Assert.Equal(new[] { "\\u0061bc" }, escaped.Select(token => token.Text));

            var plain = IdentifierSearch.Identifiers(root, index, Method(tree, "Plain").Span, "Helper").ToList();
            Assert.Single(plain);
            Assert.Empty(IdentifierSearch.Identifiers(root, index, Method(tree, "Plain").Span, "line"));   // in a string, not a name
        }
    }
}
