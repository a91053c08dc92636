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

        [Fact]
        public Task Fixed_values_built_from_factories_and_numbers_are_not_reported()
        {
            // A Transformer's positional encoding, a Gaussian kernel, a resampling window, an index ramp.
            return Verify<UnboundedExpAnalyzer>.AnalyzerAsync("""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;

                class Encodings
                {
                    Tensor DivTerm(long dmodel) => (torch.arange(0, dmodel, 2) * (-Math.Log(10000.0) / dmodel)).exp();

                    Tensor Timesteps(Tensor timesteps, int dim, int maxPeriod)
                    {
                        var exponent = -Math.Log(maxPeriod) * torch.arange(0, dim / 2, device: timesteps.device, dtype: ScalarType.Float32);
                        exponent = exponent / (dim / 2 - 1);
                        return timesteps.unsqueeze(1) * torch.exp(exponent).unsqueeze(0);
                    }

                    Tensor Learned(long dmodel) => {|GL2005:(torch.arange(0, dmodel, 2, requires_grad: true) * 2.0).exp()|};
                    Tensor Noise(long n) => {|GL2005:torch.randn(n).exp()|};
                    Tensor Data(float[] batch) => {|GL2005:torch.tensor(batch).exp()|};
                }
                """);
        }

        [Fact]
        public Task A_local_is_fixed_only_when_every_store_into_it_is()
        {
            return Verify<UnguardedSqrtAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Resample
                {
                    // TorchAudio's Kaiser window: t is reassigned, clamped in place and scaled, all from a ramp.
                    Tensor Kaiser(int width, double beta)
                    {
                        var t = torch.arange(-width, width, dtype: ScalarType.Float64) / width;
                        t = t.clamp_(-1, 1);
                        t *= 0.5;
                        return torch.sqrt(1 - torch.square(t));
                    }

                    Tensor Mixed(int width, Tensor w)
                    {
                        var t = torch.arange(-width, width, dtype: ScalarType.Float64);
                        t.mul_(w);
                        return {|GL2008:torch.sqrt(1 - torch.square(t))|};
                    }

                    Tensor Reassigned(int width, Tensor w)
                    {
                        var t = torch.arange(-width, width, dtype: ScalarType.Float64);
                        if (width > 3) t = w;
                        return {|GL2008:torch.sqrt(1 - torch.square(t))|};
                    }
                }
                """);
        }

        [Fact]
        public Task Private_fields_and_private_method_parameters_are_followed_within_the_file()
        {
            // A diffusion noise schedule (fields set in the constructor) and a mel-scale helper called
            // with a linspace; the VAE's log-variance (from the model's output) is still reported.
            return Verify<UnguardedSqrtAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                static class Rescale
                {
                    public static Tensor ZeroTerminalSnr(Tensor betas) => betas * 0.5;
                }

                class SchedulerConfig
                {
                    public float[]? TrainedBetas { get; set; }
                    public int Steps { get; set; }
                }

                class Scheduler
                {
                    private Tensor betas;
                    private Tensor alphasCumprod;
                    private Tensor logvar;

                    public Scheduler(SchedulerConfig config, Tensor moments)
                    {
                        betas = config.TrainedBetas is not null ? torch.tensor(config.TrainedBetas) : torch.linspace(1e-4, 0.02, config.Steps);
                        if (config.Steps > 1000) betas = Rescale.ZeroTerminalSnr(betas);
                        alphasCumprod = torch.cumprod(1.0f - betas, 0);
                        logvar = torch.chunk(moments, 2, -1)[1];
                    }

                    public Tensor AddNoise(Tensor x, Tensor noise, Tensor t)
                    {
                        var alphas = alphasCumprod.to(x.device).to(x.dtype);
                        return torch.sqrt(alphas[t]) * x + torch.sqrt(1 - alphas[t]) * noise;
                    }

                    public Tensor Std() => {|GL2008:logvar.sqrt()|};

                    public Tensor Hz(int n) => MelToHz(torch.linspace(0, 40, n));

                    private static Tensor MelToHz(Tensor mels) => 700.0 * torch.sqrt(mels);

                    public Tensor Both(Tensor m) => Scale(torch.ones(3)) + Scale(m);

                    private static Tensor Scale(Tensor v) => {|GL2008:torch.sqrt(v)|};
                }
                """);
        }

        [Fact]
        public Task GL2008_trusts_stft_windows_and_results_read_back_to_the_host()
        {
            return Verify<UnguardedSqrtAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Metrics
                {
                    // TorchAudio's normalized spectrogram: the window's energy.
                    public static Tensor Spectrogram(Tensor waveform, Tensor window, long nFft)
                    {
                        var spec = torch.stft(waveform, nFft, window: window, return_complex: true);
                        return spec / window.pow(2.0).sum().sqrt();
                    }

                    // FID: eigenvalues' square roots only ever reach a double.
                    public static double TraceSqrt(Tensor sigmaR, Tensor sigmaG)
                    {
                        var (lambdaR, q) = linalg.eigh(sigmaR);
                        var root = (q * lambdaR.relu().sqrt()).mm(q.T);
                        var (lambdaM, _) = linalg.eigh(root.mm(sigmaG).mm(root));
                        return lambdaM.relu().sqrt().sum().ToDouble();
                    }

                    public static Tensor Distance(Tensor a, Tensor b) => {|GL2008:(a - b).pow(2).sum(1).sqrt()|};

                    public static Tensor Returned(Tensor lambda)
                    {
                        var r = {|GL2008:lambda.relu().sqrt()|};
                        var printed = r.sum().ToDouble();
                        return r;
                    }
                }
                """);
        }

        [Fact]
        public Task Epsilons_written_as_such_and_negative_exponents_are_trusted()
        {
            return Verify<UnguardedDivisionAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Norms
                {
                    // SAM's LayerNorm2d and a BatchNorm fold.
                    Tensor LayerNorm(Tensor x, double eps)
                    {
                        var u = x.mean(new long[] { 1 }, keepdim: true);
                        var s = (x - u).pow(2).mean(new long[] { 1 }, keepdim: true);
                        return (x - u) / torch.sqrt(s + eps);
                    }

                    Tensor Fold(Tensor weight, Tensor runningVar)
                    {
                        var bnEps = torch.tensor(1e-5);
                        return weight / (runningVar + bnEps).sqrt() + weight / (runningVar + 1e-5).sqrt();
                    }

                    Tensor Unguarded(Tensor weight, Tensor runningVar, double shift) => {|GL2009:weight / (runningVar + shift).sqrt()|};
                }
                """);
        }

        [Fact]
        public Task GL2005_knows_a_gaussian_exponent_is_not_positive()
        {
            return Verify<UnboundedExpAnalyzer>.AnalyzerAsync("""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;

                class Pdf
                {
                    Tensor Normal(Tensor x, double mu, double sigma) =>
                        1 / Math.Sqrt(2 * Math.PI * sigma * sigma) * torch.exp(-0.5 / (sigma * sigma) * (x - mu).pow(2));

                    Tensor Logvar(Tensor logvar) => {|GL2005:torch.exp(0.5f * logvar)|};
                }
                """);
        }
    }
}
