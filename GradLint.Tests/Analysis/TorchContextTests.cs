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
            Assert.Same(names, torch.InvokedNames(method));
        }

        [Fact]
        public void Text_mentions_find_a_word_inside_a_node_only()
        {
            var compilation = Compile.Create(false, """
                using static TorchSharp.torch;
                class Trainer
                {
                    void Learn(Tensor loss) { loss.backward(); }
                    void Evaluate(Tensor x) { var y = x * 2; }
                    void Comment() { /* a backward pass happens elsewhere */ }
                }
                """);
            var methods = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().ToDictionary(m => m.Identifier.ValueText);
            var torch = TorchContext.For(compilation)!;
            Assert.True(torch.TextMentions(methods["Learn"], "backward"));
            Assert.False(torch.TextMentions(methods["Evaluate"], "backward"));   // though the next method mentions it
            Assert.True(torch.TextMentions(methods["Comment"], "backward"));   // text, not syntax: a prefilter may say yes, never a wrong no
            Assert.True(torch.TextMentions(compilation.SyntaxTrees.Single().GetRoot(), "backward"));
        }
    }
}
