namespace GradLint.Stability
{
    /// <summary>
    /// The goals a default must meet on every scenario and seed (issue: "a default that is never the
    /// weak link"): finite; within 1.25× (+0.05) of the best of clip_grad_norm_ {0.5, 1, 5}; within
    /// 1.25× (+0.05) of plain training where plain training does not explode; and better than
    /// clip_grad_norm_(1.0) on most.
    /// </summary>
    public static class Goals
    {
        public const double Ratio = 1.25, Slack = 0.05;

        public sealed record Verdict(string Scenario, int Seed, string Protection, double HeldOut, double BestClip, double Plain, bool Finite, bool NearBestClip, bool NearPlain, bool BeatsClip1)
        {
            public bool Met => Finite && NearBestClip && NearPlain;
        }

        public static IEnumerable<Verdict> Judge(IReadOnlyList<RunResult> results, string protection)
        {
            foreach (var group in results.GroupBy(r => (r.Scenario, r.Seed)))
            {
                var run = group.FirstOrDefault(r => r.Protection == protection);
                if (run is null) continue;
                var clips = group.Where(r => r.Protection.StartsWith("clip ", StringComparison.Ordinal) && r.Finite).Select(r => r.HeldOut).ToList();
                var bestClip = clips.Count == 0 ? double.PositiveInfinity : clips.Min();
                var plainRun = group.FirstOrDefault(r => r.Protection == "unprotected");
                var plainHealthy = plainRun is not null && plainRun.Finite && plainRun.NonFiniteSteps == 0;
                var plain = plainHealthy ? plainRun!.HeldOut : double.NaN;
                var clip1 = group.FirstOrDefault(r => r.Protection == "clip 1");
                yield return new Verdict(group.Key.Scenario, group.Key.Seed, protection, run.HeldOut, bestClip, plain,
                    run.Finite,
                    run.Finite && run.HeldOut <= Ratio * bestClip + Slack,
                    !plainHealthy || (run.Finite && run.HeldOut <= Ratio * plain + Slack),
                    run.Finite && (clip1 is null || !clip1.Finite || run.HeldOut < clip1.HeldOut));
            }
        }
    }
}
