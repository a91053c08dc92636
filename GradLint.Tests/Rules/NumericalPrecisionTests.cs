using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// Negative cases found by running the rules over TorchSharp's own examples, TorchVision and
    /// TorchAudio sources (real third-party code): each was a report that was not a real problem.
    /// </summary>
    public class NumericalPrecisionTests
    {
        [Fact]
        public Task GL2001_trusts_a_clamp_whose_minimum_is_a_scalar_variable()
        {
            // TorchAudio's amplitude_to_DB: torch.log10(torch.clamp(x, min: amin)).
            return Verify<UnguardedLogAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Audio
                {
                    Tensor ToDb(Tensor x, double amin, double multiplier) => multiplier * torch.log10(torch.clamp(x, min: amin));
                    Tensor Floor(Tensor x, float floor) => x.clamp_min(floor).log();
                }
                """);
        }

        [Fact]
        public Task GL2005_leaves_exp_minus_one_to_GL2004()
        {
            // TorchAudio's mu-law decoding: (torch.exp(torch.abs(x) * torch.log1p(mu)) - 1.0) / mu.
            return Verify<UnboundedExpAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Audio
                {
                    Tensor Decode(Tensor x, Tensor mu) => torch.sign(x) * (torch.exp(torch.abs(x) * torch.log1p(mu)) - 1.0) / mu;
                }
                """);
        }

        [Fact]
        public Task GL2008_is_silent_where_no_gradient_flows()
        {
            return Verify<UnguardedSqrtAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Init
                {
                    Tensor A(Tensor w)
                    {
                        using (torch.no_grad())
                        {
                            return torch.sqrt(torch.square(w).sum());
                        }
                    }

                    Tensor B(Tensor w)
                    {
                        using var guard = no_grad();
                        return w.pow(2).sum().sqrt();
                    }

                    Tensor C(Tensor w) => {|GL2008:w.pow(2).sum().sqrt()|};
                }
                """);
        }
    }
}
