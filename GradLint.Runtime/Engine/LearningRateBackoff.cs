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
    /// and the value that diverged — never all the way, since that value just diverged. It is applied
    /// only around the inner optimizer's step, on top of whatever rate a scheduler set, and taken off
    /// again afterwards: a scheduler never sees it and so cannot undo it.
    /// </summary>
    internal sealed class LearningRateBackoff
    {
        private double ceiling = 1;
        private double growth = 1;

        public double Scale { get; private set; } = 1;

        public void BackOff(double factor, int recoverySteps)
        {
            var diverged = Scale;
            Scale *= factor;
            ceiling = Math.Sqrt(diverged * Scale);
            growth = Math.Pow(ceiling / Scale, 1.0 / recoverySteps);
        }

        /// <summary>One healthy step of recovery.</summary>
        public void Recover()
        {
            if (Scale < ceiling)
            {
                Scale = Math.Min(ceiling, Scale * growth);
            }
        }

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

        public void Save(BinaryWriter writer)
        {
            writer.Write(Scale);
            writer.Write(ceiling);
            writer.Write(growth);
        }

        public void Load(BinaryReader reader)
        {
            Scale = reader.ReadDouble();
            ceiling = reader.ReadDouble();
            growth = reader.ReadDouble();
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
