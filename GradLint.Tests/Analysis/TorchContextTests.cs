using System.Linq;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// One context per compilation, shared by every analyzer (so a function's training step and a helper's
    /// invoked names are read once for all the rules), and what the invoked-names test reads from syntax.
    /// </summary>
    public class TorchContextTests
    {
        [Fact]
        public void Every_analyzer_of_a_compilation_gets_the_same_context_and_another_compilation_its_own()
        {
            var compilation = Compile.Create(false, "class A { }");
            var first = TorchContext.For(compilation);
            Assert.NotNull(first);
            Assert.Same(first, TorchContext.For(compilation));
            Assert.NotSame(first, TorchContext.For(Compile.Create(false, "class B { }")));
        }

        [Fact]
        public void A_compilation_without_TorchSharp_has_no_context()
        {
            var plain = CSharpCompilation.Create("Plain", new[] { CSharpSyntaxTree.ParseText("class A { }") }, TestReferences.Framework);
            Assert.Null(TorchContext.For(plain));
            Assert.Null(TorchContext.For(plain));   // and asking again does not retry into a context
        }

        [Fact]
        public void Invoked_names_cover_lambdas_local_functions_and_conditional_calls_and_are_read_once_per_declaration()
        {
            var compilation = Compile.Create(false, """
                using System;
                using TorchSharp;
                using static TorchSharp.torch;
                class Trainer
                {
                    void Step(Tensor loss, optim.Optimizer opt, nn.Module m)
                    {
                        Action clip = () => nn.utils.clip_grad_norm_(m.parameters(), 1.0);
                        foreach (var p in m.parameters()) p.grad?.clamp_(-1, 1);
                        loss.backward();
                        Apply();
                        void Apply() => opt.step();
                    }
                }
                """);
            var method = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
            var torch = TorchContext.For(compilation)!;
            var names = torch.InvokedNames(method);
            foreach (var name in new[] { "clip_grad_norm_", "parameters", "clamp_", "backward", "Apply", "step" })
            {
                Assert.True(names.Contains(name), name);
            }

            Assert.False(names.Contains("zero_grad"));

            // A region inside the method: the loop's calls (nested ones sharing its start included), none of the method's others.
            var loop = method.DescendantNodes().OfType<ForEachStatementSyntax>().Single();
            var loopNames = torch.InvokedNames(loop.Statement);
            Assert.True(loopNames.Contains("clamp_"));
            Assert.False(loopNames.Contains("parameters"));   // in the loop's header, not its body
            Assert.False(loopNames.Contains("backward"));
            Assert.True(torch.InvokedNames(loop).Contains("parameters"));
        }

        [Fact]
        public void Invoked_names_of_a_member_stop_at_its_span_and_name_calls_not_text()
        {
            var compilation = Compile.Create(false, """
                using static TorchSharp.torch;
                class Trainer
                {
                    void Learn(Tensor loss) { loss.backward(); }
                    void Evaluate(Tensor x) { var y = x.mul(2).sum(); }
                    void Comment() { /* a backward pass happens elsewhere */ }
                    void Last(Tensor loss) => loss.backward();
                }
                """);
            var methods = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().ToDictionary(m => m.Identifier.ValueText);
            var torch = TorchContext.For(compilation)!;
            Assert.True(torch.InvokedNames(methods["Learn"]).Contains("backward"));
            Assert.False(torch.InvokedNames(methods["Evaluate"]).Contains("backward"));   // though the methods around it call it
            Assert.True(torch.InvokedNames(methods["Evaluate"]).Contains("mul"));   // x.mul(2).sum(): both calls start at x
            Assert.True(torch.InvokedNames(methods["Evaluate"]).Contains("sum"));
            Assert.False(torch.InvokedNames(methods["Comment"]).Contains("backward"));   // a comment is not a call
            Assert.True(torch.InvokedNames(methods["Last"]).Contains("backward"));
            Assert.True(torch.InvokedNames(compilation.SyntaxTrees.Single().GetRoot()).Contains("backward"));
        }

        [Fact]
        public void A_call_may_be_a_helper_when_the_file_declares_the_method_or_the_member_a_local_function_called_by_its_simple_name()
        {
            var compilation = Compile.Create(
                false,
                """
                using static TorchSharp.torch;
                class Losses
                {
                    Tensor Helper(Tensor x) => x.sum();
                    Tensor Uses(Tensor x)
                    {
                        Tensor Local(Tensor t) => t.sum();
                        return x / Helper(x) / this.Helper(x) / Local(x) / x.Local() / Elsewhere(x);
                    }
                    Tensor Other(Tensor x)
                    {
                        Tensor Elsewhere(Tensor t) => t.sum();
                        return Elsewhere(x);
                    }
                }
                """,
                "using static TorchSharp.torch; static class TensorExtensions { public static Tensor Local(this Tensor x) => x; }");
            var calls = compilation.SyntaxTrees.First().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "Uses")
                .DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => c.Parent is not ArrowExpressionClauseSyntax).ToDictionary(c => c.Expression.ToString());
            var torch = TorchContext.For(compilation)!;
            bool MayBeHelper(string call) => SyntaxValues.MayBeCall(calls[call], static _ => false, torch);
            Assert.True(MayBeHelper("Helper"));
            Assert.True(MayBeHelper("this.Helper"));
            Assert.True(MayBeHelper("Local"));   // a local function of this member
            Assert.False(MayBeHelper("x.Local"));   // a member access cannot call a local function (this one is another file's extension)
            Assert.False(MayBeHelper("Elsewhere"));   // another member's local function
        }

        [Fact]
        public void Invoked_names_are_read_from_text_and_cover_every_form_a_call_is_written_in()
        {
            var compilation = Compile.Create(false, """
                using System;
                using System.Linq;
                using static TorchSharp.torch;
                class Forms
                {
                    static T Make<T>() where T : new() => new T();
                    static int @checked(int x) => x;
                    void Calls(Tensor x, nn.Module<Tensor, Tensor>? m)
                    {
                        var a = Make<Random>();
                        var b = m?.forward(x);
                        var c = x.sum /* the total */ (
                            0);
                        var d = @checked(1);
                        var e = $"{x.mean().item<float>():F2}";
                        var f = new[] { 1, 2 }.Select(v => v * 2).ToArray();
                    }
                }
                """);
            var method = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "Calls");
            var names = TorchContext.For(compilation)!.InvokedNames(method);
            foreach (var name in new[] { "Make", "forward", "sum", "checked", "mean", "item", "Select", "ToArray" })
            {
                Assert.True(names.Contains(name), name);
            }

            // Every name the syntax shows is among them (the text may name more: declarations, keywords, comments).
            var exact = InvokedNameSet.Exact(method);
            for (var i = 0; i < exact.Count; i++)
            {
                Assert.True(names.Contains(exact[i]), exact[i]);
            }
        }

        [Fact]
        public void A_file_whose_names_may_be_spelled_with_escapes_is_read_from_its_syntax()
        {
            var compilation = Compile.Create(false, """
                using static TorchSharp.torch;
                class Escaped
                {
                    void Learn(Tensor loss) { loss.\u0062ackward(); }
                }
                """);
            var method = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
            Assert.True(TorchContext.For(compilation)!.InvokedNames(method).Contains("backward"));   // the text says \u0062ackward
        }
    }
}
