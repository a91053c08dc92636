using ScottPlot;

namespace GradLint.Stability
{
    /// <summary>Held-out loss per scenario (median over seeds, log scale) for the unprotected run, clip_grad_norm_ and the guard's default.</summary>
    public static class StabilityPlot
    {
        private static readonly (string Protection, Color Color, MarkerShape Shape)[] Series =
        {
            ("unprotected", new Color(214, 39, 40), MarkerShape.Eks),
            ("clip 0.5", new Color(180, 180, 180), MarkerShape.OpenCircle),
            ("clip 1", new Color(31, 119, 180), MarkerShape.FilledCircle),
            ("clip 5", new Color(120, 120, 120), MarkerShape.OpenSquare),
            ("guard default, step(loss)", new Color(44, 160, 44), MarkerShape.FilledDiamond),
        };

        public static void Save(IReadOnlyList<RunResult> results, IReadOnlyList<Scenario> scenarios, string path)
        {
            var plot = new Plot();
            plot.Title("Held-out loss after training (median of seeds; log scale; non-finite or given up drawn on the top line)");
            plot.YLabel("held-out loss (log10)");
            var plotted = Series.Select(s => s.Protection).ToHashSet();
            var ceiling = Math.Ceiling(Math.Log10(results.Where(r => plotted.Contains(r.Protection) && r.Finite && r.HeldOut > 0).Select(r => r.HeldOut).DefaultIfEmpty(1).Max())) + 1;
            foreach (var (protection, color, shape) in Series)
            {
                var xs = new List<double>();
                var ys = new List<double>();
                for (int i = 0; i < scenarios.Count; i++)
                {
                    var runs = results.Where(r => r.Scenario == scenarios[i].Name && r.Protection == protection).Select(r => r.Finite && r.HeldOut > 0 ? Math.Log10(r.HeldOut) : ceiling).OrderBy(v => v).ToList();
                    if (runs.Count == 0) continue;
                    xs.Add(i);
                    ys.Add(runs[runs.Count / 2]);
                }

                var markers = plot.Add.Markers(xs.ToArray(), ys.ToArray(), shape, 10, color);
                markers.LegendText = protection;
            }

            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, scenarios.Count).Select(i => (double)i).ToArray(), scenarios.Select(s => s.Name).ToArray());
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 150;
            plot.ShowLegend(Alignment.UpperLeft);
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            plot.SavePng(path, 1400, 800);
        }
    }
}
