using ScottPlot;

namespace GradLint.Demo
{
    /// <summary>Part 3: loss and gradient norm per step, log scale, the runs overlaid, guard interventions marked.</summary>
    public static class DemoPlot
    {
        private static readonly Color[] RunColors = { new Color(214, 39, 40), new Color(31, 119, 180), new Color(44, 160, 44) };

        public static void Save(IReadOnlyList<RunResult> runs, string path, int width = 1200, int height = 900)
        {
            ArgumentNullException.ThrowIfNull(runs);
            ArgumentException.ThrowIfNullOrWhiteSpace(path);
            var multiplot = new Multiplot();
            multiplot.AddPlots(2);
            Draw(multiplot.GetPlot(0), runs, r => r.Loss, "Training loss per step (log scale)", "batch MSE loss", markInterventions: false);
            Draw(multiplot.GetPlot(1), runs, r => r.GradNorm, "Gradient norm per step, before clipping (log scale)", "global L2 norm", markInterventions: true);
            multiplot.GetPlot(1).XLabel("step");
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            multiplot.SavePng(path, width, height);
        }

        private static void Draw(Plot plot, IReadOnlyList<RunResult> runs, Func<RunResult, double[]> series, string title, string yLabel, bool markInterventions)
        {
            plot.Title(title);
            plot.YLabel(yLabel);
            for (int r = 0; r < runs.Count; r++)
            {
                var run = runs[r];
                var values = series(run);
                var (xs, ys) = FiniteLog10(values);
                var line = plot.Add.ScatterLine(xs, ys, RunColors[r % RunColors.Length]);
                line.LineWidth = 1.5f;
                line.LegendText = run.Name;

                if (run.FirstNonFiniteStep is int diverged)
                {
                    var marker = plot.Add.VerticalLine(diverged, 1, RunColors[r % RunColors.Length]);
                    marker.LinePattern = LinePattern.Dashed;
                    if (!markInterventions) marker.LegendText = $"{run.Name}: non-finite from step {diverged}";
                }

                if (markInterventions && run.Protection == Protection.GradLintGuard)
                {
                    Mark(plot, run, values, StepOutcome.Clipped, MarkerShape.FilledTriangleDown, Colors.DarkOrange, "guard clipped");
                    Mark(plot, run, values, StepOutcome.Skipped, MarkerShape.Eks, Colors.Black, "guard skipped");
                    Mark(plot, run, values, StepOutcome.Repaired, MarkerShape.FilledSquare, Colors.Purple, "guard repaired");
                }
            }

            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => $"1e{y:0}",
            };
            plot.ShowLegend(Alignment.UpperRight);
        }

        private static void Mark(Plot plot, RunResult run, double[] values, StepOutcome outcome, MarkerShape shape, Color color, string label)
        {
            var steps = Enumerable.Range(0, values.Length).Where(i => run.Outcomes[i] == outcome && double.IsFinite(values[i]) && values[i] > 0).ToArray();
            if (steps.Length == 0) return;
            var markers = plot.Add.Markers(steps.Select(i => (double)(i + 1)).ToArray(), steps.Select(i => Math.Log10(values[i])).ToArray(), shape, 7, color);
            markers.LegendText = $"{label} ({steps.Length})";
        }

        private static (double[] X, double[] Y) FiniteLog10(double[] values)
        {
            var steps = Enumerable.Range(0, values.Length).Where(i => double.IsFinite(values[i]) && values[i] > 0).ToArray();
            return (steps.Select(i => (double)(i + 1)).ToArray(), steps.Select(i => Math.Log10(values[i])).ToArray());
        }
    }
}
