using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// Tensor memory held by one forward pass whose graph is alive (before backward), with and without a
    /// probe: 12 Linear(1024, 1024) + 12 ReLU on a batch of 2,048 — 24 outputs of 8 MiB. Counted, not
    /// sampled from the resident set (which the allocator's reuse makes swing by ±25 MiB between runs):
    /// every tensor created in the pass registers in its dispose scope, and the distinct storages they
    /// use are added up (a view shares its base's storage and counts once).
    /// Run: dotnet run -c Release --project benchmarks/GradLint.Benchmarks -- --probe-memory
    /// </summary>
    public static class ProbeMemory
    {
        public static void Run()
        {
            set_num_threads(1);
            Console.WriteLine("| case | tensor memory held by the forward pass (MiB) | vs. no probe |");
            Console.WriteLine("|---|---:|---:|");
            var cases = new (string Name, bool InPlace, Func<nn.Module, GradientProbe?> Attach)[]
            {
                ("no probe", false, _ => null),
                ("probe on every module (24)", false, m => GradientProbe.Attach(m)),
                ("probe on the Linear modules only (`Include`, 12)", false, m => GradientProbe.Attach(m, new ProbeOptions { Include = (_, x) => x.parameters(recurse: false).Any() })),
                ("no probe, `ReLU(inplace: true)`", true, _ => null),
                ("probe on every module, `ReLU(inplace: true)`", true, m => GradientProbe.Attach(m)),
            };
            double baseline = 0, inPlaceBaseline = 0;
            foreach (var (name, inPlace, attach) in cases)
            {
                var mib = Measure(inPlace, attach);
                if (name == "no probe") baseline = mib;
                if (name.StartsWith("no probe, ", StringComparison.Ordinal)) inPlaceBaseline = mib;
                Console.WriteLine($"| {name} | {mib:F0} | {mib / (inPlace ? inPlaceBaseline : baseline):F2}× |");
            }
        }

        private static double Measure(bool inPlace, Func<nn.Module, GradientProbe?> attach)
        {
            manual_seed(1);
            using var model = nn.Sequential(Enumerable.Range(0, 12).SelectMany(i => new[]
            {
                ($"fc{i}", (nn.Module<Tensor, Tensor>)nn.Linear(1024, 1024)),
                ($"act{i}", nn.ReLU(inplace: inPlace)),
            }).ToArray());
            using var probe = attach(model);
            using var x = randn(2048, 1024);
            using var scope = NewDisposeScope();
            var y = model.call(x);
            var storages = new Dictionary<IntPtr, long>();
            foreach (var t in scope.DisposablesView.OfType<Tensor>().Where(t => !t.IsInvalid && t.NumberOfElements > 0 && t.dtype == ScalarType.Float32).ToList())
            {
                var key = t.storage<float>().data_ptr();
                storages[key] = Math.Max(storages.GetValueOrDefault(key), t.NumberOfElements * t.ElementSize);
            }

            y.sum().backward();   // the graph works as usual afterwards
            return storages.Values.Sum() / (1024.0 * 1024.0);
        }
    }
}
