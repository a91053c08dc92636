using System.Diagnostics;

namespace GradLint.Cli
{
    /// <summary>
    /// Progress lines on stderr, for steps that take longer than a second: a step says what it is doing once
    /// it has run for a second, and how long it took when it ends. Quick steps print nothing.
    /// </summary>
    public sealed class Progress
    {
        private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
        private readonly TextWriter writer;

        public Progress(TextWriter writer) => this.writer = writer;

        public IDisposable Step(string what) => new Running(this, what);

        private sealed class Running : IDisposable
        {
            private readonly Progress owner;
            private readonly string what;
            private readonly Stopwatch watch = Stopwatch.StartNew();
            private readonly Timer timer;
            private int shown;

            public Running(Progress owner, string what)
            {
                this.owner = owner;
                this.what = what;
                timer = new Timer(_ => Show(), null, Delay, Timeout.InfiniteTimeSpan);
            }

            public void Dispose()
            {
                timer.Dispose();
                if (Volatile.Read(ref shown) == 1)
                {
                    lock (owner.writer)
                    {
                        owner.writer.WriteLine($"gradlint: {what}: done in {watch.Elapsed.TotalSeconds:F1} s");
                    }
                }
            }

            private void Show()
            {
                if (Interlocked.Exchange(ref shown, 1) == 0)
                {
                    lock (owner.writer)
                    {
                        owner.writer.WriteLine($"gradlint: {what}…");
                    }
                }
            }
        }
    }
}
