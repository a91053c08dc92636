using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    /// <summary>
    /// The guard's multiplier on the learning rate. A repair multiplies it by the back-off factor; it
    /// then climbs back, over the recovery steps, to the geometric midpoint between the backed-off value
    /// and the value that diverged — never all the way, since that value just diverged. The climb listens
    /// to the loss (with <c>step(loss)</c>): once the loss level is more than the recovery tolerance above
    /// the best level seen since the repair, the higher rate is making training worse, so the multiplier
    /// returns to the value it had at that best level and stays there. It is applied only around the inner
    /// optimizer's step, on top of whatever rate a scheduler set, and taken off again afterwards: a
    /// scheduler never sees it and so cannot undo it.
    /// </summary>
    internal sealed class LearningRateBackoff
    {
        private double ceiling = 1;
        private double growth = 1;
        private double bestLevel = double.PositiveInfinity;
        private double scaleAtBest = 1;

        public double Scale { get; private set; } = 1;

        public void BackOff(double factor, int recoverySteps)
        {
            var diverged = Scale;
            Scale *= factor;
            ceiling = Math.Sqrt(diverged * Scale);
            growth = Math.Pow(ceiling / Scale, 1.0 / recoverySteps);
            bestLevel = double.PositiveInfinity;
            scaleAtBest = Scale;
        }

        /// <summary>
        /// One healthy step of recovery. <paramref name="lossLevel"/>: the recent loss level (the median of the
        /// last losses), NaN when unknown (no loss given, or too few since the repair); <paramref name="tolerance"/>:
        /// how far above its best since the repair the level may rise before the climb stops
        /// (<see cref="RepairOptions.RecoveryLossTolerance"/>; ∞ never stops it). Returns true on the step the
        /// loss stops the climb.
        /// </summary>
        public bool Recover(double lossLevel, double tolerance)
        {
            if (Scale >= ceiling)
            {
                return false;
            }

            if (!double.IsNaN(lossLevel))
            {
                if (lossLevel < bestLevel)
                {
                    bestLevel = lossLevel;
                    scaleAtBest = Scale;
                }
                else if (lossLevel > tolerance * bestLevel)
                {
                    // The climb made training worse: back to the rate of the best level, and no higher.
                    Scale = scaleAtBest;
                    ceiling = scaleAtBest;
                    return true;
                }
            }

            Scale = Math.Min(ceiling, Scale * growth);
            return false;
        }

        /// <summary>The lowest loss level seen since the last back-off (∞ before one is known).</summary>
        public double BestLevelSinceBackoff => bestLevel;

        /// <summary>Multiplies every group's rate by <see cref="Scale"/>; disposing puts the scheduled rates back.</summary>
        public IDisposable Apply(optim.Optimizer optimizer)
        {
            if (Scale == 1)
            {
                return NoChange.Instance;
            }

            // LBFGS is its own (only) rate controller; its ParamGroups entry does not reach the native optimizer.
            var controllers = optimizer is optim.ILearningRateController self
                ? new List<optim.ILearningRateController> { self }
                : optimizer.ParamGroups.ToList();
            var scheduled = controllers.Select(c => c.LearningRate).ToList();
            foreach (var c in controllers)
            {
                c.LearningRate *= Scale;
            }

            return new Restore(controllers, scheduled);
        }

        /// <summary>The multiplier and its recovery as they are now, to <see cref="Undo"/> a back-off that proved unfounded.</summary>
        public byte[] Memento() => StateBytes.Write(Save);

        public void Undo(byte[] memento) => StateBytes.Read(memento, Load);

        public void Save(BinaryWriter writer)
        {
            writer.Write(Scale);
            writer.Write(ceiling);
            writer.Write(growth);
            writer.Write(bestLevel);
            writer.Write(scaleAtBest);
        }

        public void Load(BinaryReader reader)
        {
            Scale = reader.ReadDouble();
            ceiling = reader.ReadDouble();
            growth = reader.ReadDouble();
            bestLevel = reader.ReadDouble();
            scaleAtBest = reader.ReadDouble();
        }

        private sealed class Restore : IDisposable
        {
            private readonly List<optim.ILearningRateController> controllers;
            private readonly List<double> scheduled;

            public Restore(List<optim.ILearningRateController> controllers, List<double> scheduled)
            {
                this.controllers = controllers;
                this.scheduled = scheduled;
            }

            public void Dispose()
            {
                for (int i = 0; i < controllers.Count; i++)
                {
                    controllers[i].LearningRate = scheduled[i];
                }
            }
        }

        private sealed class NoChange : IDisposable
        {
            public static readonly NoChange Instance = new NoChange();

            public void Dispose()
            {
            }
        }
    }
}
