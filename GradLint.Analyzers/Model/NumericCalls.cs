using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>Recognises TorchSharp's numeric functions in every form: <c>x.log()</c>, <c>torch.log(x)</c>, <c>log(x)</c> under <c>using static</c>, in-place <c>x.log_()</c>, functional and special forms.</summary>
    internal static class NumericCalls
    {
        public static bool IsLog(IInvocationOperation call, TorchSymbols torch) =>
            call.TargetMethod.Name is "log" or "log_" or "log2" or "log10" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        public static bool IsSoftmax(IInvocationOperation call, TorchSymbols torch) =>
            call.TargetMethod.Name == "softmax" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        /// <summary>The softmax call that <paramref name="log"/> takes the log of, if it does.</summary>
        public static IInvocationOperation? SoftmaxArgument(IInvocationOperation log, TorchSymbols torch) =>
            ValueRangeAnalysis.Strip(ValueRangeAnalysis.Input(log)) is IInvocationOperation inner && IsSoftmax(inner, torch) ? inner : null;
    }
}
