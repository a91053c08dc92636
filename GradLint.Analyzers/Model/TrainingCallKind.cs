namespace GradLint.Analyzers.Model
{
    /// <summary>What a call does in a training step, as the GL1xxx rules see it.</summary>
    internal enum TrainingCallKind
    {
        None,

        /// <summary><c>Tensor.backward(...)</c> or <c>torch.autograd.backward(...)</c>.</summary>
        Backward,

        /// <summary><c>Optimizer.step(...)</c> on any optimizer (LBFGS's <c>step(closure)</c> too).</summary>
        Step,

        /// <summary><c>zero_grad()</c> on an optimizer or on a module.</summary>
        ZeroGrad,

        /// <summary><c>torch.nn.utils.clip_grad_norm_</c> / <c>clip_grad_value_</c>.</summary>
        Clip,
    }
}
