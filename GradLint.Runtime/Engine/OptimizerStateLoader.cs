using System.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    internal static class OptimizerStateLoader
    {
        /// <summary>
        /// <c>load_state_dict(reader)</c> whose new state tensors (a momentum buffer that did not exist
        /// yet is created while loading) belong to the optimizer, not to whatever dispose scope the caller
        /// is in — otherwise the scope frees them and the next step fails with "empty handle".
        /// </summary>
        public static void Load(OptimizerHelper optimizer, BinaryReader reader)
        {
            using var scope = NewDisposeScope();
            optimizer.load_state_dict(reader);
            scope.Detach(scope.DisposablesView);
        }
    }
}
