using System.Threading.Tasks;
using Xunit;
using static GradLint.Tests.Rules.CustomLossesAcrossFormsTests;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// Training code in the shapes trainers take outside tutorials — class hierarchies whose base class
    /// owns the clipping, actor-critic agents with two optimizers, GANs, async loops, LINQ-fed loops,
    /// zero_grad in a helper — every rule at once.
    /// </summary>
    public class TrainerStylesAcrossFormsTests
    {
        [Fact]
        public Task A_trainer_whose_base_class_clips_in_a_helper_is_not_reported()
        {
            return AssertFindings("""
                abstract class TrainerBase
                {
                    protected nn.Module<Tensor, Tensor> Model = nn.Linear(8, 1);
                    protected optim.Optimizer Optimizer = null!;

                    protected void ClipGradients() => nn.utils.clip_grad_norm_(Model.parameters(), 1.0);
                }

                sealed class SequenceTrainer : TrainerBase
                {
                    public void Step(Tensor x, Tensor y)
                    {
                        using var scope = torch.NewDisposeScope();
                        Optimizer.zero_grad();
                        F.mse_loss(Model.call(x), y).backward();
                        ClipGradients();
                        Optimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task A_trainer_whose_base_class_helper_does_not_clip_is_reported()
        {
            return AssertFindings("""
                abstract class TrainerBase
                {
                    protected nn.Module<Tensor, Tensor> Model = nn.Linear(8, 1);
                    protected optim.Optimizer Optimizer = null!;

                    protected void LogGradients() => Console.WriteLine(Model.parameters().Count());
                }

                sealed class SequenceTrainer : TrainerBase
                {
                    public void Step(Tensor x, Tensor y)
                    {
                        using var scope = torch.NewDisposeScope();
                        Optimizer.zero_grad();
                        F.mse_loss(Model.call(x), y).backward();
                        LogGradients();
                        Optimizer.step();
                    }
                }
                """, ("GL1001", "Optimizer.step();"));
        }

        [Fact]
        public Task An_actor_critic_agent_that_clips_only_the_critic_is_reported_on_the_actor()
        {
            return AssertFindings("""
                sealed class ActorCritic
                {
                    private readonly nn.Module<Tensor, Tensor> actor = nn.Linear(4, 2);
                    private readonly nn.Module<Tensor, Tensor> critic = nn.Linear(4, 1);
                    private readonly optim.Optimizer actorOptimizer;
                    private readonly optim.Optimizer criticOptimizer;

                    public ActorCritic()
                    {
                        actorOptimizer = optim.Adam(actor.parameters(), 3e-4);
                        criticOptimizer = optim.Adam(critic.parameters(), 1e-3);
                    }

                    public void Update(Tensor states, Tensor actions, Tensor returns)
                    {
                        using var scope = torch.NewDisposeScope();
                        var values = critic.call(states).squeeze(-1);
                        var advantages = (returns - values).detach();

                        criticOptimizer.zero_grad();
                        F.mse_loss(values, returns).backward();
                        nn.utils.clip_grad_norm_(critic.parameters(), 0.5);
                        criticOptimizer.step();

                        var logProbs = F.log_softmax(actor.call(states), -1).gather(-1, actions.unsqueeze(-1)).squeeze(-1);
                        actorOptimizer.zero_grad();
                        (-(logProbs * advantages).mean()).backward();
                        actorOptimizer.step();
                    }
                }
                """, ("GL1001", "actorOptimizer.step();"));
        }

        [Fact]
        public Task A_gan_whose_two_steps_clip_through_one_helper_is_not_reported()
        {
            return AssertFindings("""
                sealed class Gan
                {
                    private readonly nn.Module<Tensor, Tensor> generator = nn.Linear(16, 64);
                    private readonly nn.Module<Tensor, Tensor> discriminator = nn.Linear(64, 1);
                    private readonly optim.Optimizer gOptimizer = null!;
                    private readonly optim.Optimizer dOptimizer = null!;

                    private static void Clip(nn.Module module) => nn.utils.clip_grad_norm_(module.parameters(), 1.0);

                    public void Step(Tensor real)
                    {
                        using var scope = torch.NewDisposeScope();
                        var fake = generator.call(torch.randn(real.shape[0], 16));

                        dOptimizer.zero_grad();
                        var dLoss = F.binary_cross_entropy_with_logits(discriminator.call(real), torch.ones(real.shape[0], 1))
                            + F.binary_cross_entropy_with_logits(discriminator.call(fake.detach()), torch.zeros(real.shape[0], 1));
                        dLoss.backward();
                        Clip(discriminator);
                        dOptimizer.step();

                        gOptimizer.zero_grad();
                        F.binary_cross_entropy_with_logits(discriminator.call(fake), torch.ones(real.shape[0], 1)).backward();
                        Clip(generator);
                        gOptimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task An_async_loop_that_clips_is_not_reported_for_clipping()
        {
            return AssertFindings("""
                sealed class AsyncTrainer
                {
                    private readonly nn.Module<Tensor, Tensor> model = nn.Linear(8, 1);
                    private readonly optim.Optimizer optimizer = null!;

                    public async System.Threading.Tasks.Task TrainAsync(System.Collections.Generic.IAsyncEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        await foreach (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            F.mse_loss(model.call(x), y).backward();
                            nn.utils.clip_grad_value_(model.parameters(), 1.0);
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task A_linq_fed_regression_loop_without_clipping_is_reported()
        {
            return AssertFindings("""
                sealed class Regression
                {
                    public void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, float[][] rows, float[] targets)
                    {
                        foreach (var (x, y) in rows.Zip(targets, (r, t) => (torch.tensor(r), torch.tensor(t))))
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            F.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """, ("GL1001", "optimizer.step();"));
        }

        [Fact]
        public Task Zero_grad_in_a_helper_of_the_same_type_counts_as_zero_grad()
        {
            return AssertFindings("""
                sealed class Trainer
                {
                    private readonly nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);
                    private readonly optim.Optimizer optimizer = null!;

                    private void ResetGradients() => optimizer.zero_grad();

                    public void Train(Tensor x, Tensor y, int epochs)
                    {
                        for (var epoch = 0; epoch < epochs; epoch++)
                        {
                            using var scope = torch.NewDisposeScope();
                            ResetGradients();
                            F.mse_loss(model.call(x), y).backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task A_dqn_agent_that_zeroes_gradients_between_backward_and_step_is_reported()
        {
            return AssertFindings("""
                sealed class DqnAgent
                {
                    private readonly nn.Module<Tensor, Tensor> online = nn.Linear(4, 2);
                    private readonly nn.Module<Tensor, Tensor> target = nn.Linear(4, 2);
                    private readonly optim.Optimizer optimizer = null!;

                    public void Learn(Tensor states, Tensor actions, Tensor rewards, Tensor next, double gamma)
                    {
                        using var scope = torch.NewDisposeScope();
                        var q = online.call(states).gather(1, actions.unsqueeze(1)).squeeze(1);
                        Tensor tdTarget;
                        using (torch.no_grad())
                        {
                            tdTarget = rewards + gamma * target.call(next).amax(new long[] { 1 });
                        }

                        F.smooth_l1_loss(q, tdTarget).backward();
                        optimizer.zero_grad();
                        foreach (var p in online.parameters()) p.grad?.clamp_(-1, 1);
                        optimizer.step();
                    }
                }
                """, ("GL1003", "optimizer.zero_grad();"));
        }
    }
}
