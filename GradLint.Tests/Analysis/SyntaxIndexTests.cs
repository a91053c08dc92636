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

        [Fact]
        public void The_loop_form_of_the_search_answers_as_the_iterators_do_on_text_and_on_syntax()
        {
            var tree = CSharpSyntaxTree.ParseText(Escaped);
            var index = SyntaxIndex.Of(tree);
            var root = tree.GetRoot();
            var spelled = Method(tree, "Spelled").Span;   // read token by token (an escape)
            var plain = Method(tree, "Plain").Span;       // read from the text
            System.Func<SyntaxToken, bool> isCall = IdentifierSearch.NamesACallOrCreation;

            foreach (var (span, name) in new[] { (spelled, "abc"), (spelled, "Helper"), (plain, "Helper"), (plain, "line"), (plain, "text"), (plain, "Help") })
            {
                Assert.Equal(IdentifierSearch.Identifiers(root, index, span, name).Any(), IdentifierSearch.Any(root, index, span, name, _ => true));
                Assert.Equal(IdentifierSearch.Identifiers(root, index, span, name).Any(isCall), IdentifierSearch.Any(root, index, span, name, isCall));
                Assert.Equal(
                    IdentifierSearch.IdentifiersContaining(root, index, span, name, System.StringComparison.OrdinalIgnoreCase).Any(),
                    IdentifierSearch.AnyContaining(root, index, span, name, System.StringComparison.OrdinalIgnoreCase, _ => true));
            }

            Assert.True(IdentifierSearch.Any(root, index, spelled, "abc", _ => true));            // the escaped name, by its value
            Assert.True(IdentifierSearch.Any(root, index, plain, "Helper", isCall));
            Assert.False(IdentifierSearch.Any(root, index, plain, "line", _ => true));           // in a string
            Assert.False(IdentifierSearch.Any(root, index, plain, "Help", _ => true));           // part of a longer name
            Assert.True(IdentifierSearch.AnyContaining(root, index, plain, "HELP", System.StringComparison.OrdinalIgnoreCase, _ => true));
        }

        [Fact]
        public void Every_distinct_called_name_of_a_file_is_kept_and_a_name_called_twice_is_one_string()
        {
            // 300 distinct names (the per-file name table starts at 64 slots and grows), each called twice.
            var calls = string.Join(" ", Enumerable.Range(0, 300).Select(i => $"f{i}(); f{i}();"));
            var tree = CSharpSyntaxTree.ParseText("class Many { void M() { " + calls + " } }");
            var names = SyntaxIndex.Of(tree).InvokedNames(tree.GetRoot());

            Assert.Equal(601, names.Count);   // M itself (a declaration before '(') and 600 calls
            for (var i = 0; i < 300; i++)
            {
                Assert.True(names.Contains($"f{i}"));
            }

            Assert.False(names.Contains("f300"));
            var first = Enumerable.Range(0, names.Count).Select(i => names[i]).Where(n => n == "f7").ToList();
            Assert.Equal(2, first.Count);
            Assert.Same(first[0], first[1]);
        }
    }
}
