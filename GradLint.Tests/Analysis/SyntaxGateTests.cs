using System.Linq;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// The syntax tests that decide, before binding, which nodes a rule may skip — each must be a superset of what
    /// the rule can report (a node it skips could never be a finding), and tight enough that the plain code of a
    /// training file (batch iterators, <c>Math.Sqrt</c> scalings, loop counters, every model's forward) is never bound.
    /// The rule-level side of the same promise is in <c>Rules/SyntaxGatesKeepFindingsTests</c>.
    /// </summary>
    public class SyntaxGateTests
    {
        [Fact]
        public void Tensor_work_names_are_read_from_torch_nn_functional_and_name_no_plain_tensor_method()
        {
            var torch = TorchContext.For(Compile.Create(false, "class A { }"))!;
            foreach (var name in new[] { "forward", "call", "backward", "step", "mse_loss", "cross_entropy", "relu", "linear", "softmax", "dropout" })
            {
                Assert.True(torch.IsTensorWorkName(name), name);
            }

            foreach (var name in new[] { "narrow", "Min", "Sqrt", "item", "Add", "sum" })
            {
                Assert.False(torch.IsTensorWorkName(name), name);
            }
        }

        [Fact]
        public void A_loop_is_a_tensor_work_candidate_only_when_its_body_invokes_a_tensor_work_name()
        {
            var compilation = Compile.Create(false, """
                using System;
                using TorchSharp;
                using static TorchSharp.torch;
                using static TorchSharp.torch.nn.functional;
                class Loops
                {
                    void Run(Tensor x, Tensor w, nn.Module<Tensor, Tensor> model, optim.Optimizer opt, int batch)
                    {
                        for (long start = 0; start < x.shape[0]; start += batch) { var b = x.narrow(0, start, Math.Min(batch, 4)); }
                        for (int i = 0; i < 3; i++) { var y = relu(x.matmul(w)); }
                        while (true) { model.call(x); break; }
                        do { opt?.step(); } while (false);
                        foreach (var p in model.parameters()) { Console.WriteLine(p.shape[0]); }
                    }
                }
                """);
            var torch = TorchContext.For(compilation)!;
            var loops = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().Where(SyntaxScopes.IsLoop).ToList();
            Assert.Equal(new[] { false, true, true, true, false }, loops.Select(loop => TensorWork.BodyMayDoTensorWork(loop, torch)));
        }

        [Fact]
        public void A_divisor_may_be_a_reduction_through_a_name_this_field_or_a_helper_of_its_file_but_not_a_Math_call()
        {
            var compilation = Compile.Create(false, """
                using System;
                using static TorchSharp.torch;
                class Divisors
                {
                    Tensor total = null!;
                    Tensor Total(Tensor t) => t.abs().sum();
                    void Run(Tensor x, Tensor y, Tensor n, int k)
                    {
                        var a = x / x.sum(1);
                        var b = x / n;
                        var c = x / this.total;
                        var d = x / Total(x);
                        var e = x / (y.sum(1) + n.norm());
                        var f = x / (float)x.sum().item<float>();
                        var g = x / Math.Sqrt(k);
                        var h = x / randn(3);
                        var i = x / 2.0;
                        var j = x / y.abs();
                    }
                }
                """);
            var torch = TorchContext.For(compilation)!;
            var divisors = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<BinaryExpressionSyntax>()
                .Where(b => b.OperatorToken.ValueText == "/").Select(b => b.Right).ToList();
            static bool IsReduction(string name) => name is "sum" or "norm";
            Assert.Equal(
                new[] { true, true, true, true, true, false, false, false, false, false },   // f: a cast of item<float>(), a host scalar
                divisors.Select(d => SyntaxValues.MayBeCall(d, IsReduction, torch)));
        }

        [Fact]
        public void Helpers_are_the_methods_of_the_file_and_the_local_functions_of_the_enclosing_function()
        {
            var compilation = Compile.Create(false, """
                using static TorchSharp.torch;
                class Helpers
                {
                    Tensor Scale(Tensor x) { Tensor Inner(Tensor y) => y.sum(); return Inner(x) / x.norm(); }
                    Tensor Other(Tensor x) => x.norm();
                    Tensor Norm => null!;
                }
                """);
            var torch = TorchContext.For(compilation)!;
            var norms = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => c.ToString() == "x.norm()")
                .ToDictionary(c => c.FirstAncestorOrSelf<MethodDeclarationSyntax>()!.Identifier.ValueText);
            var inScale = norms["Scale"];
            var inOther = norms["Other"];
            Assert.True(torch.DeclaresMethod(inScale, "Scale"));
            Assert.True(torch.DeclaresMethod(inOther, "Scale"));    // a method: visible from the whole file
            Assert.True(torch.DeclaresMethod(inScale, "Inner"));    // a local function of the enclosing method
            Assert.False(torch.DeclaresMethod(inOther, "Inner"));   // … not visible from another method
            Assert.False(torch.DeclaresMethod(inScale, "Norm"));    // a property: not followed as a helper
            Assert.False(torch.DeclaresMethod(inScale, "sum"));
        }

        [Fact]
        public void A_name_is_known_built_in_only_from_a_declaration_in_scope_that_says_so()
        {
            var compilation = Compile.Create(false, """
                using System;
                using static TorchSharp.torch;
                class Counters
                {
                    Tensor field = null!;
                    void Run(Tensor loss, int steps, Tensor given)
                    {
                        Tensor total = zeros(1);
                        var running = zeros(1);
                        var k = 0;
                        double seen = 0;
                        for (long start = 0; start < 10; start += 2)
                        {
                            total += loss;
                            running += loss;
                            k += 1;
                            seen += 1;
                            steps += 1;
                            given += loss;
                            field += loss;
                            Action<int> count = n => { n += 1; };
                        }
                    }
                }
                """);
            var targets = compilation.SyntaxTrees.Single().GetRoot().DescendantNodes().OfType<AssignmentExpressionSyntax>()
                .Select(a => (IdentifierNameSyntax)a.Left).ToList();
            Assert.Equal(
                new[] { ("start", true), ("total", false), ("running", false), ("k", true), ("seen", true), ("steps", true), ("given", false), ("field", false), ("n", false) },
                targets.Select(t => (t.Identifier.ValueText, SyntaxValues.IsDeclaredBuiltIn(t))));
        }
    }
}
