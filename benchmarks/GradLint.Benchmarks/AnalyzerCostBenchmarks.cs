using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// What GradLint's analyzers add to a compile: 1,000 generated TorchSharp training files are
    /// parsed, bound and diagnosed, with and without the GradLint analyzers, over two
    /// baselines: no analyzers at all, and the analyzers `dotnet build` runs by default (the SDK's
    /// NetAnalyzers with analysislevel_10_default severities). Every operation analyzer makes the
    /// compiler bind method bodies a second time; the SDK's default analyzers already pay that in
    /// every real build, so "sdk-default" is the comparison a user sees. Run under server GC, as the compiler
    /// runs (<see cref="CompilerGc"/>).
    /// </summary>
    [WarmupCount(2)]
    [IterationCount(10)]
    public class AnalyzerCostBenchmarks
    {
        private List<(string Path, string Text)> corpus = null!;
        private ImmutableArray<MetadataReference> references;
        private ImmutableArray<DiagnosticAnalyzer> gradLint;
        private ImmutableArray<DiagnosticAnalyzer> baselineAnalyzers;
        private ImmutableDictionary<string, ReportDiagnostic> severities = ImmutableDictionary<string, ReportDiagnostic>.Empty;

        [Params("none", "sdk-default")]
        public string Baseline { get; set; } = "none";

        /// <summary>How many files the corpus has: 1,000 for every timed mode; fewer only for instruction counts under valgrind (benchmarks/count-instructions.sh), where a compile of 1,000 files takes ten minutes.</summary>
        public int Files { get; set; } = 1000;

        /// <summary>
        /// One thread for the compiler and the analyzer driver: for instruction counts (under valgrind, which runs one
        /// thread at a time, a thread that spins waiting for another executes instructions that are no work), and for the
        /// wall-time A/B in the count's own setting (`--analyzer-ab … serial`), so that the two can be compared.
        /// </summary>
        public bool Serial { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            corpus = TrainingCorpus.Generate(Files);
            references = FrameworkAndTorchSharp();
            gradLint = AllGradLintAnalyzers();

            baselineAnalyzers = ImmutableArray<DiagnosticAnalyzer>.Empty;
            if (Baseline == "sdk-default")
            {
                var sdkAnalyzers = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "sdk");
                var sdk = Directory.GetDirectories(sdkAnalyzers).OrderBy(d => d).Last();
                var folder = Path.Combine(sdk, "Sdks", "Microsoft.NET.Sdk", "analyzers");
                var loader = new Loader();
                baselineAnalyzers = new[] { "Microsoft.CodeAnalysis.NetAnalyzers.dll", "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll" }
                    .SelectMany(f => new AnalyzerFileReference(Path.Combine(folder, f), loader).GetAnalyzers(LanguageNames.CSharp))
                    .ToImmutableArray();
                severities = ReadSeverities(Path.Combine(folder, "build", "config", "analysislevel_10_default.globalconfig"));
            }

            // The corpus must compile: a benchmark of broken code measures error recovery.
            var errors = Create().GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                throw new InvalidOperationException("The generated corpus does not compile: " + errors[0]);
            }

            var all = Analyze(gradLint);
            var found = all.Select(d => d.Id).Where(id => id.StartsWith("GL")).GroupBy(id => id).OrderBy(g => g.Key);
            Console.WriteLine("// GradLint findings in the corpus: " + string.Join(", ", found.Select(g => $"{g.Key}×{g.Count()}")));
            var crashes = all.Where(d => d.Id == "AD0001").ToList();
            if (crashes.Count > 0)
            {
                throw new InvalidOperationException($"{crashes.Count} analyzer exception(s) (AD0001) on the corpus; the first: {crashes[0]}");
            }
        }

        private CSharpCompilation Create() => CSharpCompilation.Create(
            "Corpus",
            corpus.Select(f => CSharpSyntaxTree.ParseText(f.Text, path: f.Path)),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, specificDiagnosticOptions: severities, concurrentBuild: !Serial));

        // One binding pass that yields the compiler's diagnostics and, when there are analyzers, feeds
        // the analyzer driver from the same pass — as csc does. Emit is left out on both sides (it
        // would add the same time to both and make the ratio smaller).
        private ImmutableArray<Diagnostic> Analyze(ImmutableArray<DiagnosticAnalyzer> extra)
        {
            var compilation = Create();
            var analyzers = baselineAnalyzers.AddRange(extra);
            if (analyzers.IsEmpty)
            {
                return compilation.GetDiagnostics();
            }

            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: !Serial, logAnalyzerExecutionTime: false);
            return compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        }

        /// <summary>
        /// `--analyzer-profile`: a quick look at which GradLint analyzer costs what (medians of a few
        /// runs, one analyzer at a time). A diagnostic for development, not the reported figure.
        /// </summary>
        /// <summary>The framework's reference assemblies of this process, and TorchSharp.</summary>
        public static ImmutableArray<MetadataReference> FrameworkAndTorchSharp()
        {
            var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetDirectoryName(p) == frameworkDir && (Path.GetFileName(p).StartsWith("System.") || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll"))
                .Append(typeof(TorchSharp.torch).Assembly.Location)
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToImmutableArray();
        }

        /// <summary>One instance of every GradLint analyzer.</summary>
        public static ImmutableArray<DiagnosticAnalyzer> AllGradLintAnalyzers() =>
            typeof(global::GradLint.Analyzers.Rules.MissingZeroGradAnalyzer).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
                .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
                .ToImmutableArray();

        /// <summary>`--analyzer-check`: every GradLint analyzer over the corpus once; its findings, and a failure on any AD0001.</summary>
        public static void Check() => new AnalyzerCostBenchmarks { Baseline = "none" }.Setup();

        public static void Profile()
        {
            foreach (var baselineName in new[] { "none", "sdk-default" })
            {
                var bench = new AnalyzerCostBenchmarks { Baseline = baselineName };
                bench.Setup();
                double Median(Func<int> run)
                {
                    var times = new List<double>();
                    for (int i = 0; i < 3; i++)
                    {
                        var watch = System.Diagnostics.Stopwatch.StartNew();
                        run();
                        times.Add(watch.Elapsed.TotalSeconds);
                    }

                    return times.OrderBy(t => t).ElementAt(1);
                }

                bench.Compile();
                var baseline = Median(bench.Compile);
                Console.WriteLine($"[{baselineName}] compile: {baseline:F2} s; + all GradLint: {Median(bench.CompileWithGradLint) / baseline:F3}x");
                if (baselineName == "none")
                {
                    foreach (var analyzer in bench.gradLint)
                    {
                        var one = ImmutableArray.Create(analyzer);
                        Console.WriteLine($"  {analyzer.GetType().Name}: {Median(() => bench.Analyze(one).Length) / baseline:F3}x");
                    }
                }
            }
        }

        /// <summary>
        /// `--analyzer-ab &lt;other GradLint.Analyzers.dll&gt; [rounds]`: this build's GradLint against another
        /// build's (an earlier commit's), both on top of the SDK's default analyzers, compiles alternating
        /// in one process (the other build loaded in its own load context) — the side-by-side figure for
        /// "did this change make the analyzers slower", which separate profile runs are too noisy to give.
        /// `serial` compiles on one thread, as the instruction count does (benchmarks/count-instructions.sh), so that
        /// the two readings can be set side by side in the same setting.
        /// </summary>
        public static void CompareWith(string otherAnalyzers, int rounds, bool serial = false)
        {
            if (rounds < 1)
            {
                throw new ArgumentException($"--analyzer-ab takes a number of rounds of at least 1; got {rounds}.");
            }

            var bench = new AnalyzerCostBenchmarks { Baseline = "sdk-default", Serial = serial };
            ImmutableArray<DiagnosticAnalyzer> other;
            // Controls in place of another build: noop:N (N analyzers that look at every invocation and do nothing: the
            // driver's dispatch alone), noop-op:N (the same, delivered as operations: what binding for an analyzer costs),
            // noop-getop:N (asking GetOperation from a syntax action, as GradLint's rules do), noop-report:K (one analyzer
            // that binds nothing and reports on every K-th invocation: what reporting costs).
            var controls = new (string Prefix, Control Control)[] { ("noop-op:", Control.OperationNoOp), ("noop-getop:", Control.GetOperation), ("noop-report:", Control.Report), ("noop:", Control.SyntaxNoOp) };
            if (controls.FirstOrDefault(c => otherAnalyzers.StartsWith(c.Prefix, StringComparison.Ordinal)) is { Prefix: not null } chosen)
            {
                if (!int.TryParse(otherAnalyzers.Substring(chosen.Prefix.Length), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
                {
                    throw new ArgumentException($"'{otherAnalyzers}': the control takes a whole number of at least 1 after the colon, e.g. '{chosen.Prefix}20'.");
                }

                other = chosen.Control == Control.Report
                    ? ImmutableArray.Create<DiagnosticAnalyzer>(new ControlAnalyzer(Control.Report, number))
                    : Enumerable.Range(0, number).Select(_ => (DiagnosticAnalyzer)new ControlAnalyzer(chosen.Control)).ToImmutableArray();
            }
            else
            {
                var context = new IsolatedContext(Path.GetFullPath(otherAnalyzers));
                var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(otherAnalyzers));
                other = assembly.GetTypes()
                    .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
                    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
                    .ToImmutableArray();
            }

            bench.Setup();   // after the other side is read: a misspelt control or path fails before minutes of set-up
            Console.WriteLine($"// this build: {bench.gradLint.Length} analyzers; the other: {other.Length} ({otherAnalyzers}); compiler and driver on {(serial ? "one thread" : "all threads")}");

            var sides = new (string Name, Func<int> Run, List<double> Times, List<double> Cpu, List<double> Allocated, List<double> Paused)[]
            {
                ("sdk-default only", bench.Compile, new List<double>(), new List<double>(), new List<double>(), new List<double>()),
                ("+ this GradLint", bench.CompileWithGradLint, new List<double>(), new List<double>(), new List<double>(), new List<double>()),
                ("+ other GradLint", () => bench.Analyze(other).Length, new List<double>(), new List<double>(), new List<double>(), new List<double>()),
            };
            var process = System.Diagnostics.Process.GetCurrentProcess();
            foreach (var side in sides)
            {
                Console.WriteLine($"// {side.Name}: {side.Run()} diagnostics (warm-up)");
            }

            for (var round = 0; round < rounds; round++)
            {
                // The order turns every round (A B C, B C A, C A B): a side always run first — after the previous round's
                // garbage, on a cache the previous side warmed — would carry that order's bias into every pair.
                foreach (var side in sides.Skip(round % sides.Length).Concat(sides.Take(round % sides.Length)))
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                    var pausedBefore = GC.GetTotalPauseDuration();
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    side.Run();
                    side.Times.Add(watch.Elapsed.TotalSeconds);
                    side.Allocated.Add((GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e9);
                    side.Paused.Add((GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds);
                    process.Refresh();
                    side.Cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
                }
            }

            // Every round's times, so that runs can be pooled later (one run's interval does not cover the drift between runs).
            for (var round = 0; round < rounds; round++)
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"// round {round + 1}: ") + string.Join(", ", sides.Select(s => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Name} {s.Times[round]:F3} s (CPU {s.Cpu[round]:F3} s, allocated {s.Allocated[round]:F3} GB, GC pauses {s.Paused[round]:F3} s)"))));
            }

            var baseline = Median(sides[0].Times);
            var baselineCpu = Median(sides[0].Cpu);
            foreach (var side in sides)
            {
                Console.WriteLine($"{side.Name}: median {Median(side.Times):F2} s of {rounds} ({Median(side.Times) / baseline:F3}x sdk-default only); CPU {Median(side.Cpu):F2} s ({Median(side.Cpu) / baselineCpu:F3}x); allocated {Median(side.Allocated):F3} GB ({Median(side.Allocated) / Median(sides[0].Allocated):F3}x); GC pauses {Median(side.Paused):F2} s");
            }

            // CPU time (all threads, GC included) is the steadier figure on a shared 2-core machine: it counts the work
            // the analyzers add, not when the scheduler let it run.
            Console.WriteLine($"this / other: wall {Median(sides[1].Times) / Median(sides[2].Times):F3}x, CPU {Median(sides[1].Cpu) / Median(sides[2].Cpu):F3}x");

            // Paired by round: each round's compile with analyzers over the same round's baseline, so a slow hour
            // slows both sides of a ratio instead of one side of a median.
            foreach (var (name, index) in new[] { ("+ this GradLint", 1), ("+ other", 2) })
            {
                var wall = PairedRatios(sides[index].Times, sides[0].Times);
                var cpu = PairedRatios(sides[index].Cpu, sides[0].Cpu);
                Console.WriteLine($"{name} / sdk-default only, paired by round: wall median {Median(wall):F3}x (90% interval {Interval(wall)}), CPU median {Median(cpu):F3}x (90% interval {Interval(cpu)})");
            }
        }

        /// <summary>
        /// `--analyzer-pool &lt;log&gt;…`: the rounds of several `--analyzer-ab` runs (their printed `// round` lines) pooled —
        /// each side's compile over the same round's baseline, medians and bootstrap 90% intervals over every round. One
        /// run's interval does not cover the drift between runs on this machine; many runs pooled do.
        /// </summary>
        public static void Pool(IReadOnlyList<string> logs)
        {
            var round = new Regex(@"^// round \d+: (?<sides>.*)$");
            var side = new Regex(@"(?<name>[^,]+?) (?<wall>[\d.]+) s \(CPU (?<cpu>[\d.]+) s");
            // Every ratio keeps the index of its run, so that an interval can also resample whole runs (see RunsInterval).
            var wall = new Dictionary<string, List<(int Run, double Ratio)>>();
            var cpu = new Dictionary<string, List<(int Run, double Ratio)>>();
            var rounds = 0;
            for (var run = 0; run < logs.Count; run++)
            {
                var log = logs[run];
                foreach (var line in File.ReadLines(log))
                {
                    var match = round.Match(line);
                    if (!match.Success)
                    {
                        continue;
                    }

                    var sides = side.Matches(match.Groups["sides"].Value).Cast<Match>()
                        .Select(m => (Name: m.Groups["name"].Value.Trim(), Wall: Parse(m.Groups["wall"].Value), Cpu: Parse(m.Groups["cpu"].Value)))
                        .ToList();
                    if (sides.Count < 2)
                    {
                        throw new InvalidDataException($"{log}: a round line without a baseline and a side to compare: {line}");
                    }

                    rounds++;
                    foreach (var other in sides.Skip(1))
                    {
                        // By side name across the runs; and every side together, which means something when the sides are one
                        // build (an A/A run against a copy of it).
                        foreach (var key in new[] { other.Name, "all sides together (one build in an A/A run)" })
                        {
                            Ratios(wall, key).Add((run, other.Wall / sides[0].Wall));
                            Ratios(cpu, key).Add((run, other.Cpu / sides[0].Cpu));
                        }
                    }

                    if (sides.Count == 3)
                    {
                        // The two compared builds against each other in the same round: what a change did, without the baseline's noise.
                        var key = $"{sides[1].Name} over {sides[2].Name}, same round";
                        Ratios(wall, key).Add((run, sides[1].Wall / sides[2].Wall));
                        Ratios(cpu, key).Add((run, sides[1].Cpu / sides[2].Cpu));
                    }
                }
            }

            if (rounds == 0)
            {
                throw new InvalidDataException("No '// round' lines in " + string.Join(", ", logs) + ": pass the output of --analyzer-ab runs.");
            }

            Console.WriteLine($"{rounds} rounds from {logs.Count} run(s); each side over the same round's baseline (the first side of its line):");
            foreach (var key in wall.Keys)
            {
                var w = wall[key].Select(r => r.Ratio).ToList();
                var c = cpu[key].Select(r => r.Ratio).ToList();
                Console.WriteLine($"  {key}: {w.Count} ratios; wall median {Median(w):F3}x (90% interval {Interval(w)}), CPU median {Median(c):F3}x (90% interval {Interval(c)})");
                if (logs.Count > 1)
                {
                    Console.WriteLine($"    runs resampled too (the hour's level moves between runs): wall {RunsInterval(wall[key])}, CPU {RunsInterval(cpu[key])}");
                }
            }

            static double Parse(string value) => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            static List<(int Run, double Ratio)> Ratios(Dictionary<string, List<(int Run, double Ratio)>> byKey, string key) =>
                byKey.TryGetValue(key, out var list) ? list : byKey[key] = new List<(int Run, double Ratio)>();
        }

        /// <summary>
        /// A 90% interval of the pooled median that resamples the runs, then the rounds of each drawn run (2,000 resamples, fixed
        /// seed): wider than <see cref="Interval"/> when whole runs read higher or lower than others, as they do from hour to hour.
        /// </summary>
        internal static string RunsInterval(IReadOnlyList<(int Run, double Ratio)> ratios)
        {
            var runs = ratios.GroupBy(r => r.Run).Select(g => g.Select(r => r.Ratio).ToArray()).ToArray();
            var random = new Random(1);
            var medians = new double[2000];
            var sample = new List<double>(ratios.Count);
            for (var i = 0; i < medians.Length; i++)
            {
                sample.Clear();
                for (var r = 0; r < runs.Length; r++)
                {
                    var run = runs[random.Next(runs.Length)];
                    for (var j = 0; j < run.Length; j++)
                    {
                        sample.Add(run[random.Next(run.Length)]);
                    }
                }

                sample.Sort();
                medians[i] = sample[sample.Count / 2];
            }

            Array.Sort(medians);
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{medians[100]:F3}–{medians[1899]:F3}");
        }

        /// <summary>The middle value (the upper one of an even count), as every figure of these runs is read.</summary>
        private static double Median(IReadOnlyCollection<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);

        private static List<double> PairedRatios(List<double> side, List<double> baseline) =>
            side.Zip(baseline, (a, b) => a / b).ToList();

        /// <summary>A bootstrap 90% interval of the median of <paramref name="ratios"/> (2,000 resamples, fixed seed).</summary>
        internal static string Interval(IReadOnlyList<double> ratios)
        {
            var random = new Random(1);
            var medians = new double[2000];
            var sample = new double[ratios.Count];
            for (var i = 0; i < medians.Length; i++)
            {
                for (var j = 0; j < sample.Length; j++)
                {
                    sample[j] = ratios[random.Next(ratios.Count)];
                }

                Array.Sort(sample);
                medians[i] = sample[sample.Length / 2];
            }

            Array.Sort(medians);
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{medians[100]:F3}–{medians[1899]:F3}");
        }

        /// <summary>
        /// `--analyzer-repeat sdk|gradlint N`: N compiles of one side only (the SDK's default analyzers, with or
        /// without GradLint) — to record a CPU profile of each side and diff them, so that the cost GradLint causes
        /// outside its own code (in the compiler and the analyzer driver) shows too.
        /// </summary>
        public static void Repeat(string side, int count, int files = 1000, bool serial = false)
        {
            if (count < 0 || files < 1)
            {
                throw new ArgumentException($"--analyzer-repeat takes a count of compiles of at least 0 (0: the set-up alone) and a corpus of at least 1 file; got {count} and {files}.");
            }

            var bench = new AnalyzerCostBenchmarks { Baseline = "sdk-default", Files = files, Serial = serial };
            // noop-report:K: the reporting control of --analyzer-ab alone, to profile what reporting costs the driver.
            Func<int> compile = side switch
            {
                "gradlint" => bench.CompileWithGradLint,
                "sdk" => bench.Compile,
                _ when side.StartsWith("noop-report:", StringComparison.Ordinal) && int.TryParse(side.Substring("noop-report:".Length), out var every) && every > 0 =>
                    () => bench.Analyze(ImmutableArray.Create<DiagnosticAnalyzer>(new ControlAnalyzer(Control.Report, every))).Length,
                _ => throw new ArgumentException($"'{side}': --analyzer-repeat takes sdk, gradlint or noop-report:K (K a whole number of at least 1)."),
            };
            bench.Setup();   // after the side is checked: the set-up takes seconds (minutes under valgrind)
            for (var i = 0; i < count; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var found = compile();
                Console.WriteLine($"{side}: {watch.Elapsed.TotalSeconds:F2} s ({found} diagnostics)");
            }
        }

        /// <summary>
        /// `--analyzer-telemetry [rounds]`: the compiler's own per-analyzer execution time (what
        /// `csc /reportanalyzer` prints) for GradLint's analyzers next to the SDK's default ones, summed
        /// over a few compiles — the exclusive time of each analyzer's callbacks, which the wall-clock
        /// ratios cannot split.
        /// </summary>
        public static void Telemetry(int rounds, bool perRule = false)
        {
            var bench = new AnalyzerCostBenchmarks { Baseline = "sdk-default" };
            bench.Setup();
            if (perRule)
            {
                // Each rule as its own analyzer (as the tests run them): which rule costs what. Each binds what it looks at
                // itself, so a rule's row includes binding the host would share; a development diagnostic, not the figure.
                bench.gradLint = typeof(global::GradLint.Analyzers.Model.TorchRuleAnalyzer).Assembly.GetTypes()
                    .Where(t => !t.IsAbstract && typeof(global::GradLint.Analyzers.Model.TorchRuleAnalyzer).IsAssignableFrom(t))
                    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
                    .ToImmutableArray();
            }

            var analyzers = bench.baselineAnalyzers.AddRange(bench.gradLint);
            var totals = new Dictionary<DiagnosticAnalyzer, TimeSpan>();
            var sdkAlone = TimeSpan.Zero;
            for (var round = 0; round < rounds + 1; round++)
            {
                // The SDK's analyzers alone, alternating with the SDK's and GradLint's: whichever analyzer first asks for
                // a method's operations pays for binding it, so GradLint's own rows include binding the SDK's would have
                // paid without it. The difference of the two totals is what GradLint adds.
                var alone = Telemetry(bench, bench.baselineAnalyzers);
                var both = Telemetry(bench, analyzers);
                if (round == 0)
                {
                    continue;   // warm-up
                }

                sdkAlone += bench.baselineAnalyzers.Aggregate(TimeSpan.Zero, (sum, a) => sum + alone[a]);
                foreach (var analyzer in analyzers)
                {
                    totals[analyzer] = totals.TryGetValue(analyzer, out var sum) ? sum + both[analyzer] : both[analyzer];
                }
            }

            var gradLintSet = new HashSet<DiagnosticAnalyzer>(bench.gradLint);
            double Seconds(IEnumerable<DiagnosticAnalyzer> set) => set.Sum(a => totals[a].TotalSeconds) / rounds;
            var withGradLint = Seconds(bench.baselineAnalyzers) + Seconds(bench.gradLint);
            Console.WriteLine($"per compile: SDK default analyzers {Seconds(bench.baselineAnalyzers):F3} s, GradLint {Seconds(bench.gradLint):F3} s (execution time, summed over threads)");
            Console.WriteLine($"all analyzers: SDK alone {sdkAlone.TotalSeconds / rounds:F3} s, SDK + GradLint {withGradLint:F3} s: GradLint adds {withGradLint - sdkAlone.TotalSeconds / rounds:F3} s");
            foreach (var (analyzer, time) in totals.OrderByDescending(p => p.Value).Take(40))
            {
                Console.WriteLine($"  {(gradLintSet.Contains(analyzer) ? "GL " : "sdk")} {analyzer.GetType().Name,-60} {time.TotalMilliseconds / rounds,8:F0} ms");
            }
        }

        private static Dictionary<DiagnosticAnalyzer, TimeSpan> Telemetry(AnalyzerCostBenchmarks bench, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true);
            var result = bench.Create().WithAnalyzers(analyzers, options).GetAnalysisResultAsync(default).GetAwaiter().GetResult();
            return analyzers.ToDictionary(a => a, a => result.AnalyzerTelemetryInfo.TryGetValue(a, out var info) ? info.ExecutionTime : TimeSpan.Zero);
        }

        private sealed class IsolatedContext : System.Runtime.Loader.AssemblyLoadContext
        {
            private readonly string folder;

            public IsolatedContext(string path) : base("other GradLint", isCollectible: false) => folder = Path.GetDirectoryName(path)!;

            // Roslyn and the framework come from the default context (shared types); anything else next to the other build.
            protected override Assembly? Load(AssemblyName name)
            {
                if (name.Name is not null && (name.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || name.Name.StartsWith("System.", StringComparison.Ordinal)))
                {
                    return null;
                }

                var candidate = Path.Combine(folder, name.Name + ".dll");
                return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
            }
        }

        [Benchmark(Baseline = true, Description = "compile (baseline analyzers only)")]
        public int Compile() => Analyze(ImmutableArray<DiagnosticAnalyzer>.Empty).Length;

        [Benchmark(Description = "compile + GradLint analyzers")]
        public int CompileWithGradLint() => Analyze(gradLint).Length;

        /// <summary>
        /// Control: one analyzer that looks at every invocation and does nothing. What any analyzer
        /// costs by being there (the driver's events and dispatch) — GradLint's own cost is the
        /// difference to the row above.
        /// </summary>
        [Benchmark(Description = "compile + a no-op analyzer (control)")]
        public int CompileWithNoOpAnalyzer() => Analyze(ImmutableArray.Create<DiagnosticAnalyzer>(new ControlAnalyzer(Control.SyntaxNoOp))).Length;

#pragma warning disable RS1036, RS1038, RS1041, RS2008 // a benchmark control, not a shipped analyzer
        /// <summary>What a control analyzer does with every invocation it is shown.</summary>
        private enum Control
        {
            /// <summary>Nothing: a syntax action (the driver's dispatch alone).</summary>
            SyntaxNoOp,

            /// <summary>Nothing with it, but delivered as an operation (<c>RegisterOperationAction</c>).</summary>
            OperationNoOp,

            /// <summary>Asks the semantic model for its operation from a syntax action, as GradLint's rules do.</summary>
            GetOperation,

            /// <summary>Binds nothing; reports a warning on every K-th invocation (by position).</summary>
            Report,
        }

        [DiagnosticAnalyzer(LanguageNames.CSharp)]
        private sealed class ControlAnalyzer : DiagnosticAnalyzer
        {
            private static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor("NOOP0001", "control", "control", "none", DiagnosticSeverity.Warning, true);
            private readonly Control control;
            private readonly int every;

            public ControlAnalyzer(Control control, int every = 1)
            {
                this.control = control;
                this.every = every;
            }

            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

            public override void Initialize(AnalysisContext context)
            {
                context.EnableConcurrentExecution();
                // The reporting control takes GradLint's flags: with None, the first report in each file pays the driver's
                // walk for [GeneratedCode], a cost GradLint does not have (Model/UserCodeActions.cs).
                context.ConfigureGeneratedCodeAnalysis(control == Control.Report ? GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics : GeneratedCodeAnalysisFlags.None);
                switch (control)
                {
                    case Control.OperationNoOp:
                        context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
                        break;
                    case Control.GetOperation:
                        context.RegisterSyntaxNodeAction(c => GC.KeepAlive(c.SemanticModel.GetOperation(c.Node, c.CancellationToken)), Microsoft.CodeAnalysis.CSharp.SyntaxKind.InvocationExpression);
                        break;
                    case Control.Report:
                        context.RegisterSyntaxNodeAction(
                            c =>
                            {
                                if (c.Node.SpanStart % every == 0)
                                {
                                    c.ReportDiagnostic(Diagnostic.Create(Rule, c.Node.GetLocation()));
                                }
                            },
                            Microsoft.CodeAnalysis.CSharp.SyntaxKind.InvocationExpression);
                        break;
                    default:
                        context.RegisterSyntaxNodeAction(_ => { }, Microsoft.CodeAnalysis.CSharp.SyntaxKind.InvocationExpression);
                        break;
                }
            }
        }
#pragma warning restore RS1036, RS1038, RS1041, RS2008

        private static ImmutableDictionary<string, ReportDiagnostic> ReadSeverities(string globalConfig)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, ReportDiagnostic>();
            foreach (Match m in Regex.Matches(File.ReadAllText(globalConfig), @"dotnet_diagnostic\.(\w+)\.severity\s*=\s*(\w+)"))
            {
                builder[m.Groups[1].Value] = m.Groups[2].Value switch
                {
                    "none" => ReportDiagnostic.Suppress,
                    "silent" => ReportDiagnostic.Hidden,
                    "suggestion" => ReportDiagnostic.Info,
                    "warning" => ReportDiagnostic.Warn,
                    "error" => ReportDiagnostic.Error,
                    _ => ReportDiagnostic.Default,
                };
            }

            return builder.ToImmutable();
        }

        private sealed class Loader : IAnalyzerAssemblyLoader
        {
            public void AddDependencyLocation(string fullPath)
            {
            }

            public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
        }
    }
}
