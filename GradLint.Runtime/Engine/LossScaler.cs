using System.IO;

namespace GradLint.Engine
{
    /// <summary>
    /// Dynamic loss scaling (PyTorch's GradScaler): the loss is multiplied by <see cref="Scale"/> so that
    /// small gradients do not underflow in fp16; the gradients are divided by it before anything looks at
    /// them; an overflow (a non-finite gradient) skips the step and multiplies the scale by the back-off
    /// factor; a run of good steps multiplies it by the growth factor.
    /// </summary>
    internal sealed class LossScaler
    {
        private readonly LossScalingOptions options;
        private int goodSteps;

        public LossScaler(LossScalingOptions options)
        {
            this.options = options;
            Scale = options.InitialScale;
        }

        public double Scale { get; private set; }

        /// <summary>Below the minimum scale a non-finite gradient is no longer an overflow but a real one.</summary>
        public bool CanBackOff => Scale * options.BackoffFactor >= options.MinScale;

        public void Overflow()
        {
            Scale *= options.BackoffFactor;
            goodSteps = 0;
        }

        public void GoodStep()
        {
            if (++goodSteps >= options.GrowthInterval)
            {
                Scale *= options.GrowthFactor;
                goodSteps = 0;
            }
        }

        public void Save(BinaryWriter writer)
        {
            writer.Write(Scale);
            writer.Write(goodSteps);
        }

        public void Load(BinaryReader reader)
        {
            Scale = reader.ReadDouble();
            goodSteps = reader.ReadInt32();
        }
    }
}
