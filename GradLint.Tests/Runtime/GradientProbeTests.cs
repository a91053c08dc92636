using System;
using System.Collections.Generic;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    [Collection(TensorCountCollection.Name)]
    public class GradientProbeTests
    {
        /// <summary>Identity forward; backward multiplies the gradient by 1e30 twice (Inf in float32).</summary>
        private sealed class BlowUpInBackward : autograd.SingleTensorFunction<BlowUpInBackward>
        {
            public override string Name => "BlowUpInBackward";

            public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).alias();

            public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad) => new List<Tensor> { grad * 1e30f * 1e30f };
        }

        private sealed class AmplifyInBackward : autograd.SingleTensorFunction<AmplifyInBackward>
        {
            public override string Name => "AmplifyInBackward";

            public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).alias();

            public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad) => new List<Tensor> { grad * 1e4f };
        }

        private sealed class Amplify : nn.Module<Tensor, Tensor>
        {
            public Amplify() : base(nameof(Amplify)) { }

            public override Tensor forward(Tensor x) => AmplifyInBackward.apply(x);
        }

        private sealed class BlowUp : nn.Module<Tensor, Tensor>
        {
            public BlowUp() : base(nameof(BlowUp)) { }

            public override Tensor forward(Tensor x) => BlowUpInBackward.apply(x);
        }

        private sealed class Block : nn.Module<Tensor, Tensor>
        {
            private readonly TorchSharp.Modules.Linear inner;
            private readonly nn.Module<Tensor, Tensor> act;

            public Block(int width) : base(nameof(Block))
            {
                inner = nn.Linear(width, width);
                act = nn.Tanh();
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => act.call(inner.call(x)) + x;
        }

        private static nn.Module<Tensor, Tensor> Chain() =>
            nn.Sequential(("fc1", nn.Linear(4, 8)), ("act1", nn.Tanh()), ("fc2", nn.Linear(8, 8)), ("act2", nn.Tanh()), ("fc3", nn.Linear(8, 1)));

        [Fact]
        public void Per_layer_norms_equal_retain_grad_references_in_backward_order()
        {
            manual_seed(2);
            var model = Chain();
            var (x, y) = Data();

            // Reference: retain_grad() on every module output, through the same hook mechanism.
            var outputs = new List<(string Name, Tensor Output)>();
            var removers = new List<Action>();
            foreach (var (name, module) in model.named_modules())
            {
                var n = name;
                // Sequential disposes its intermediate outputs: keep an alias of our own, out of every scope.
                var hook = ((nn.Module<Tensor, Tensor>)module).register_forward_hook((_, _, output) =>
                {
                    var kept = output.alias().DetachFromDisposeScope();
                    kept.retain_grad();
                    outputs.Add((n, kept));
                    return kept.alias();   // the container may dispose what a module returns
                });
                removers.Add(hook.remove);
            }

            nn.functional.mse_loss(model.call(x), y).backward();
            var expected = outputs.AsEnumerable().Reverse().Select(o => (o.Name, Norm: (double)o.Output.grad!.norm().item<float>())).ToList();
            removers.ForEach(r => r());
            model.zero_grad();

            using var probe = GradientProbe.Attach(model);
            nn.functional.mse_loss(model.call(x), y).backward();
            var actual = probe.LastBackward;

            Assert.Equal(expected.Select(e => e.Name), actual.Select(a => a.Name));
            Assert.Equal(new[] { "fc3", "act2", "fc2", "act1", "fc1" }, actual.Select(a => a.Name));
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Norm, actual[i].Norm, expected[i].Norm * 1e-5);
                Assert.True(actual[i].IsFinite);
                Assert.False(actual[i].Rescaled);
            }

            Assert.Null(probe.FirstNonFinite);
            Assert.Empty(probe.Unobserved);
        }

        private static nn.Module<Tensor, Tensor> WithBlowUp() =>
            nn.Sequential(("fc1", nn.Linear(4, 8)), ("act1", nn.Tanh()), ("blowup", new BlowUp()), ("fc2", nn.Linear(8, 8)), ("act2", nn.Tanh()), ("fc3", nn.Linear(8, 1)));

        [Fact]
        public void First_non_finite_names_exactly_the_layer_that_emits_Inf_in_backward()
        {
            manual_seed(3);
            var model = WithBlowUp();
            var (x, y) = Data();
            using var probe = GradientProbe.Attach(model);
            nn.functional.mse_loss(model.call(x), y).backward();

            Assert.Equal("blowup", probe.FirstNonFinite);
            Assert.Equal(GradientHealth.NonFinite, probe.Health);
            var layers = probe.LastBackward.ToDictionary(l => l.Name);
            Assert.True(layers["blowup"].IsFinite);
            Assert.False(layers["act1"].IsFinite);
        }

        [Fact]
        public void With_guard_integration_the_culprit_is_that_layer_too()
        {
            manual_seed(3);
            var model = WithBlowUp();
            var (x, y) = Data();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { ProbeLayers = true }, model);
            Backward(model, guard, x, y);
            guard.step();

            Assert.True(guard.LastReport!.StepSkipped);
            Assert.Equal("blowup", guard.FindCulprit());
            Assert.NotNull(guard.Probe);
        }

        [Fact]
        public void On_a_clipped_step_the_culprit_is_the_module_that_amplified_the_gradient_in_backward()
        {
            manual_seed(3);
            var model = nn.Sequential(("fc1", nn.Linear(4, 8)), ("act1", nn.Tanh()), ("amplify", new Amplify()), ("fc2", nn.Linear(8, 8)), ("act2", nn.Tanh()), ("fc3", nn.Linear(8, 1)));
            var (x, y) = Data();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { ProbeLayers = true, Clipping = ClippingPolicy.FixedNorm(1e-3) }, model);
            Backward(model, guard, x, y);
            guard.step();

            Assert.True(guard.LastReport!.Clipped);
            Assert.Equal("amplify", guard.FindCulprit());
        }

        [Fact]
        public void On_a_clipped_step_from_an_outlier_batch_the_culprit_owns_the_largest_parameter_gradient()
        {
            // A 1000x input makes weight gradients huge while no module amplifies the output
            // gradient: the largest output gradient would name a layer near the loss instead.
            manual_seed(3);
            var model = nn.Sequential(("fc1", nn.Linear(4, 8)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(8, 8)), ("relu2", nn.ReLU()), ("fc3", nn.Linear(8, 1)));
            var (x, y) = Data();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { ProbeLayers = true, Clipping = ClippingPolicy.FixedNorm(1e-3) }, model);
            using var outlier = x * 1000;
            Backward(model, guard, outlier, y);
            var largest = model.named_parameters().OrderByDescending(p => p.parameter.grad!.norm().item<float>()).First().name;
            guard.step();

            Assert.True(guard.LastReport!.Clipped);
            Assert.Equal(largest.Substring(0, largest.LastIndexOf('.')), guard.FindCulprit());
            Assert.NotEqual(guard.Probe!.Largest, guard.FindCulprit());
        }

        [Fact]
        public void Rescaling_in_flight_keeps_earlier_layers_gradients_finite_and_bounded()
        {
            var (x, y) = Data();
            manual_seed(3);
            var unprobed = WithBlowUp();
            nn.functional.mse_loss(unprobed.call(x), y).backward();
            using (var g = unprobed.parameters().First().grad!) { Assert.False(isfinite(g).all().item<bool>()); }

            manual_seed(3);
            var model = WithBlowUp();
            using var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = 1.0 });
            nn.functional.mse_loss(model.call(x), y).backward();

            foreach (var p in model.parameters())
            {
                using var g = p.grad!;
                Assert.True(isfinite(g).all().item<bool>());
                Assert.True(g.norm().item<float>() <= 10f);
            }

            Assert.Contains(probe.LastBackward, l => l.Rescaled);
        }

        [Theory]
        [InlineData(1e6)]
        [InlineData(0.5)]
        public void Rescaling_zeroes_a_NaN_entry_and_scales_the_finite_ones_by_their_own_norm(double maxNorm)
        {
            manual_seed(6);
            var model = nn.Sequential(("fc", nn.Linear(3, 3)));
            using var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = maxNorm });
            var x = ones(2, 3).requires_grad_(true);
            var upstream = tensor(new[] { 1f, float.NaN, 2f });   // the gradient w.r.t. fc's output, per row
            (model.call(x) * upstream).sum().backward();

            // Expected: the output gradient with NaN → 0, scaled to at most maxNorm, then back through fc.
            var clean = tensor(new[] { 1f, 0f, 2f }).expand(2, 3);
            var scale = Math.Min(1.0, maxNorm / (clean.norm().item<float>() + 1e-6));
            using var weight = model.parameters().First().detach();
            var expected = (clean * scale).matmul(weight);
            using var g = x.grad!;
            Assert.True(isfinite(g).all().item<bool>());
            Assert.True(expected.allclose(g, rtol: 1e-5, atol: 1e-6), $"{expected.str()} vs {g.str()}");
            Assert.True(probe.LastBackward.Single().Rescaled);
            Assert.False(probe.LastBackward.Single().IsFinite);   // the record keeps the raw, non-finite norm
        }

        private static nn.Module<Tensor, Tensor> InPlaceNet() => nn.Sequential(
            ("fc1", nn.Linear(4, 16)), ("relu1", nn.ReLU(inplace: true)),
            ("fc2", nn.Linear(16, 16)), ("act2", nn.LeakyReLU(0.1, inplace: true)),
            ("out", nn.Linear(16, 1)));

        [Fact]
        public void Probes_work_with_in_place_activations_and_leave_the_gradients_unchanged()
        {
            var (x, y) = Data();
            manual_seed(21);
            var plain = InPlaceNet();
            nn.functional.mse_loss(plain.call(x), y).backward();

            manual_seed(21);
            var model = InPlaceNet();
            using var probe = GradientProbe.Attach(model);
            nn.functional.mse_loss(model.call(x), y).backward();   // threw "a view ... modified inplace" before

            foreach (var (a, b) in plain.parameters().Zip(model.parameters()))
            {
                using var ga = a.grad!;
                using var gb = b.grad!;
                Assert.True(ga.allclose(gb, rtol: 1e-6, atol: 1e-7));
            }

            Assert.Equal(new[] { "out", "act2", "fc2", "relu1", "fc1" }, probe.LastBackward.Select(l => l.Name));
        }

        [Fact]
        public void A_graph_built_before_Dispose_neither_records_nor_rescales()
        {
            var (x, y) = Data();
            manual_seed(3);
            var plain = WithBlowUp();
            nn.functional.mse_loss(plain.call(x), y).backward();

            manual_seed(3);
            var model = WithBlowUp();
            var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = 1e-3 });
            var loss = nn.functional.mse_loss(model.call(x), y);
            probe.Dispose();
            loss.backward();

            Assert.Empty(probe.LastBackward);
            foreach (var (a, b) in plain.parameters().Zip(model.parameters()))
            {
                using var ga = a.grad!;
                using var gb = b.grad!;
                Assert.True(ga.isfinite().all().item<bool>() == gb.isfinite().all().item<bool>());
                Assert.True(ga.nan_to_num().allclose(gb.nan_to_num(), rtol: 1e-6, atol: 1e-7), "the disposed probe still changed the gradients");
            }
        }

        [Fact]
        public void Include_limits_the_probe_to_the_chosen_modules()
        {
            var (x, y) = Data();
            manual_seed(21);
            var model = InPlaceNet();
            using var probe = GradientProbe.Attach(model, new ProbeOptions { Include = (_, m) => m.parameters(recurse: false).Any() });
            nn.functional.mse_loss(model.call(x), y).backward();
            Assert.Equal(new[] { "out", "fc2", "fc1" }, probe.LastBackward.Select(l => l.Name));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Backward_on_a_thread_with_no_dispose_scope_leaves_no_tensor_to_the_finalizer(bool rescale)
        {
            // CUDA runs backward on device threads, where no dispose scope exists; this runs it on a
            // fresh thread. Counting without a GC: anything left to the finalizer shows as growth.
            var (x, y) = Data();
            var model = InPlaceNet();
            using var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = rescale ? 1e-3 : null });
            void Step()
            {
                using var scope = NewDisposeScope();
                model.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                var thread = new System.Threading.Thread(() => loss.backward());   // a fresh thread: no dispose scope
                thread.Start();
                thread.Join();
            }

            Step();
            Step();
            // No GC during the measured steps, so nothing reaches a finalizer: every tensor the probe
            // makes or receives must be released deterministically for the count to stay flat.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.True(GC.TryStartNoGCRegion(64L << 20), "could not suspend the GC for the measurement");
            long after2, after22;
            try
            {
                GC.WaitForPendingFinalizers();   // what the region's own collection queued
                after2 = Tensor.TotalCount;
                for (int i = 0; i < 20; i++) Step();
                after22 = Tensor.TotalCount;
            }
            finally
            {
                if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
            }

            Assert.Equal(after2, after22);
        }

        [Fact]
        public void Records_nested_modules_reused_modules_with_call_indices_and_frozen_layers()
        {
            manual_seed(4);
            var shared = nn.Linear(8, 8);
            var model = nn.Sequential(("inp", nn.Linear(4, 8)), ("block", new Block(8)), ("shared", shared), ("act", nn.ReLU()), ("again", new Reuse(shared)), ("out", nn.Linear(8, 1)));
            model.named_parameters().First(p => p.name.StartsWith("inp")).parameter.requires_grad = false;
            var (x, y) = Data();
            using var probe = GradientProbe.Attach(model);
            nn.functional.mse_loss(model.call(x), y).backward();

            var names = probe.LastBackward.Select(l => (l.Name, l.Call)).ToList();
            Assert.Contains(("block.inner", 0), names);
            Assert.Contains(("block.act", 0), names);
            Assert.Contains(("block", 0), names);
            Assert.Contains(("shared", 0), names);
            Assert.Contains(("shared", 1), names);    // the same module, called a second time
            Assert.Contains(("inp", 0), names);       // frozen weights, but its output still carries a gradient
            Assert.True(names.IndexOf(("block", 0)) < names.IndexOf(("block.inner", 0)), "a container's output gradient comes before its children's");
        }

        private sealed class Reuse : nn.Module<Tensor, Tensor>
        {
            private readonly nn.Module<Tensor, Tensor> target;

            public Reuse(nn.Module<Tensor, Tensor> target) : base(nameof(Reuse))
            {
                this.target = target;
            }

            public override Tensor forward(Tensor x) => target.call(x);
        }

        [Fact]
        public void Modules_run_through_forward_or_with_other_signatures_are_reported_unobserved()
        {
            manual_seed(5);
            var model = new ForwardCaller();
            var (x, y) = Data();
            using var probe = GradientProbe.Attach(model);
            nn.functional.mse_loss(model.call(x), y).backward();

            Assert.Contains("hidden", probe.Unobserved);     // called with forward(x): hooks do not run
            Assert.DoesNotContain("output", probe.Unobserved);
        }

        private sealed class ForwardCaller : nn.Module<Tensor, Tensor>
        {
            private readonly TorchSharp.Modules.Linear hidden = nn.Linear(4, 8);
            private readonly TorchSharp.Modules.Linear output = nn.Linear(8, 1);

            public ForwardCaller() : base(nameof(ForwardCaller)) => RegisterComponents();

            public override Tensor forward(Tensor x) => output.call(hidden.forward(x).tanh());
        }

        [Fact]
        public void Health_tells_exploding_vanishing_and_healthy_apart()
        {
            var (x, y) = Data();
            Assert.Equal(GradientHealth.Exploding, HealthOf(ScaledChain(4.0), x, y));
            Assert.Equal(GradientHealth.Vanishing, HealthOf(ScaledChain(0.05), x, y));
            Assert.Equal(GradientHealth.Healthy, HealthOf(ScaledChain(1.0), x, y));
        }

        // Six linear layers whose weights are scaled so that gradients grow or shrink with depth.
        private static nn.Module<Tensor, Tensor> ScaledChain(double scale)
        {
            manual_seed(6);
            var layers = Enumerable.Range(0, 6).Select(i => ($"l{i}", (nn.Module<Tensor, Tensor>)nn.Linear(i == 0 ? 4 : 16, i == 5 ? 1 : 16))).ToList();
            var model = nn.Sequential(layers.ToArray());
            using (no_grad())
            {
                foreach (var (name, p) in model.named_parameters().Where(p => p.name.EndsWith("weight")))
                {
                    var fanIn = p.shape[1];
                    p.copy_(p.sign() * (scale / Math.Sqrt(fanIn)));
                }
            }

            return model;
        }

        private static GradientHealth HealthOf(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
        {
            using var probe = GradientProbe.Attach(model);
            model.call(x).sum().backward();
            return probe.Health;
        }

        [Fact]
        public void Dispose_removes_every_hook_so_outputs_and_gradients_match_an_unprobed_model()
        {
            var (x, y) = Data();
            manual_seed(7);
            var reference = Chain();
            var referenceOut = reference.call(x);
            nn.functional.mse_loss(referenceOut, y).backward();

            manual_seed(7);
            var model = Chain();
            var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = 1e-3 });
            nn.functional.mse_loss(model.call(x), y).backward();
            model.zero_grad();
            probe.Dispose();

            var output = model.call(x);
            nn.functional.mse_loss(output, y).backward();
            Assert.True(output.eq(referenceOut).all().item<bool>());
            foreach (var (a, b) in model.parameters().Zip(reference.parameters()))
            {
                using var ga = a.grad!;
                using var gb = b.grad!;
                Assert.True(ga.eq(gb).all().item<bool>());
            }

            using var again = GradientProbe.Attach(model);   // allowed once the first is disposed
        }

        [Fact]
        public void No_tensor_leaks_over_500_probed_steps()
        {
            var (x, y) = Data(rows: 16);
            manual_seed(8);
            var model = Chain();
            using var optimizer = optim.SGD(model.parameters(), 0.01);
            using var probe = GradientProbe.Attach(model, new ProbeOptions { MaxOutputGradNorm = 0.01 });

            void Steps(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    using (var scope = NewDisposeScope())
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        optimizer.step();
                    }

                    if (i % 50 == 0) _ = probe.LastBackward;
                }
            }

            Steps(10);
            var after10 = TensorCountCollection.LiveTensors();
            Steps(490);
            Assert.Equal(after10, TensorCountCollection.LiveTensors());
            Assert.Equal(5, probe.LastBackward.Count);
        }

        [Fact]
        public void Bad_input_gives_clear_errors()
        {
            Assert.Contains("model", Assert.Throws<ArgumentNullException>(() => GradientProbe.Attach(null!)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeOptions { MaxOutputGradNorm = 0 }).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeOptions { MaxOutputGradNorm = -1 }).Message);
            var model = Chain();
            using var first = GradientProbe.Attach(model);
            Assert.Contains("already attached", Assert.Throws<InvalidOperationException>(() => GradientProbe.Attach(model)).Message);
            Assert.Contains("ProbeLayers needs the model", Assert.Throws<ArgumentException>(() => optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { ProbeLayers = true })).Message);
        }
    }
}
