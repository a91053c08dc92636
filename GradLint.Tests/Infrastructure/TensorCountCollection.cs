using Xunit;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>
    /// Tests that compare <c>Tensor.TotalCount</c> (a process-wide count) run in this collection,
    /// which xUnit runs alone, after the parallel tests.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class TensorCountCollection
    {
        public const string Name = "Tensor count";

        /// <summary>Live tensors, after tensors that are already unreachable have been finalized.</summary>
        public static long LiveTensors()
        {
            for (int i = 0; i < 2; i++)
            {
                System.GC.Collect();
                System.GC.WaitForPendingFinalizers();
            }

            return TorchSharp.torch.Tensor.TotalCount;
        }
    }
}
