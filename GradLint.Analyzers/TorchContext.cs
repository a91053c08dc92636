using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers
{
    /// <summary>
    /// Everything GradLint's rules share within one compilation — one context for all the analyzers
    /// (<see cref="For"/>, as xunit.analyzers' <c>XunitContext</c>): the TorchSharp symbols they ask about
    /// (types, modules, losses — compared by symbol, never by display name), the <c>.editorconfig</c> options
    /// of each syntax tree parsed once, the training step of each function and the invoked names of each
    /// declaration built once for every rule that reads them. It is null when the compilation does not
    /// reference TorchSharp, and analyzers then register nothing (zero cost for other projects).
    /// </summary>
    internal sealed class TorchContext
    {
        private TorchContext(
            INamedTypeSymbol torch,
            INamedTypeSymbol tensor,
            INamedTypeSymbol optimizer,
            INamedTypeSymbol module,
            INamedTypeSymbol autograd,
            INamedTypeSymbol nnUtils,
            INamedTypeSymbol? functional,
            INamedTypeSymbol? special,
            INamedTypeSymbol? linalg,
            INamedTypeSymbol? guardedOptimizer)
        {
            Torch = torch;
            Tensor = tensor;
            Optimizer = optimizer;
            Module = module;
            Autograd = autograd;
            NnUtils = nnUtils;
            Functional = functional;
            Special = special;
            Linalg = linalg;
            GuardedOptimizer = guardedOptimizer;
        }

        /// <summary><c>TorchSharp.torch</c>, the static class that holds the whole API.</summary>
        public INamedTypeSymbol Torch { get; }

        /// <summary><c>torch.Tensor</c> (Parameter derives from it).</summary>
        public INamedTypeSymbol Tensor { get; }

        /// <summary><c>torch.optim.Optimizer</c>, base of every optimizer.</summary>
        public INamedTypeSymbol Optimizer { get; }

        /// <summary><c>torch.nn.Module</c>, base of every module.</summary>
        public INamedTypeSymbol Module { get; }

        /// <summary><c>torch.autograd</c> (static <c>backward</c>).</summary>
        public INamedTypeSymbol Autograd { get; }

        /// <summary><c>torch.nn.utils</c> (<c>clip_grad_norm_</c>, <c>clip_grad_value_</c>).</summary>
        public INamedTypeSymbol NnUtils { get; }

        /// <summary><c>torch.nn.functional</c>.</summary>
        public INamedTypeSymbol? Functional { get; }

        /// <summary>
        /// True for the names a call that does per-step tensor work (<see cref="Model.TensorWork.Classify"/>) can have:
        /// <c>forward</c>, <c>call</c>, <c>backward</c>, <c>step</c> and the tensor-returning functions of
        /// <c>torch.nn.functional</c> — read from the symbols once, so that a loop whose body invokes none of them is
        /// never bound by the rules that look for that work.
        /// </summary>
        /// <remarks>
        /// One delegate over a plain hash set, both made with the context (read-only after that, so safe on every
        /// thread): it runs on every loop, and an ImmutableHashSet's lookup walks a tree.
        /// </remarks>
        public System.Func<string, bool> IsTensorWorkName { get; private set; } = static _ => false;

        private static System.Func<string, bool> TensorWorkNamePredicate(INamedTypeSymbol? functional, INamedTypeSymbol tensor)
        {
            var names = new System.Collections.Generic.HashSet<string>(new[] { "forward", "call", "backward", "step" }, System.StringComparer.Ordinal);
            foreach (var member in functional?.GetMembers() ?? ImmutableArray<ISymbol>.Empty)
            {
                if (member is IMethodSymbol { IsStatic: true } method && InheritsFrom(method.ReturnType, tensor))
                {
                    names.Add(method.Name);
                }
            }

            return names.Contains;
        }

        /// <summary><c>torch.special</c>.</summary>
        public INamedTypeSymbol? Special { get; }

        /// <summary><c>torch.linalg</c>.</summary>
        public INamedTypeSymbol? Linalg { get; }

        /// <summary><c>GradLint.GuardedOptimizer</c> when the compilation references GradLint.Runtime.</summary>
        public INamedTypeSymbol? GuardedOptimizer { get; }

        /// <summary><c>torch.optim.lr_scheduler.LRScheduler</c>, the base of TorchSharp's learning-rate schedulers.</summary>
        public INamedTypeSymbol? LRScheduler { get; private set; }

        /// <summary>TorchSharp's module types the rules name: <c>TorchSharp.Modules.BCELoss</c>, <c>Sigmoid</c>, <c>CrossEntropyLoss</c>, <c>NLLLoss</c>, <c>Softmax</c>.</summary>
        public INamedTypeSymbol? BceLossModule { get; private set; }

        public INamedTypeSymbol? SigmoidModule { get; private set; }

        public INamedTypeSymbol? CrossEntropyLossModule { get; private set; }

        public INamedTypeSymbol? NllLossModule { get; private set; }

        public INamedTypeSymbol? SoftmaxModule { get; private set; }

        /// <summary>Modules that behave differently in training and evaluation mode: TorchSharp's Dropout and BatchNorm classes.</summary>
        public ImmutableHashSet<INamedTypeSymbol> ModeDependentModules { get; private set; } = ImmutableHashSet<INamedTypeSymbol>.Empty;

        /// <summary>The class names of <see cref="ModeDependentModules"/> (also the factory names: <c>nn.Dropout(…)</c>).</summary>
        public static readonly ImmutableArray<string> ModeDependentModuleNames = ImmutableArray.Create(
            "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d");

        /// <summary><c>System.Math</c> and <c>System.MathF</c>, whose Sqrt/Exp/Log/Abs/Max/Min the value-range analysis knows.</summary>
        public ImmutableHashSet<INamedTypeSymbol> MathTypes { get; private set; } = ImmutableHashSet<INamedTypeSymbol>.Empty;

        /// <summary>Loss modules whose value is ≥ 0 for every input (the value-range analysis's <c>exp(-loss)</c> is ≤ 1).</summary>
        public ImmutableHashSet<INamedTypeSymbol> NonNegativeLossModules { get; private set; } = ImmutableHashSet<INamedTypeSymbol>.Empty;

        /// <summary>The class names of <see cref="NonNegativeLossModules"/>; the functional forms are the snake-case names in <see cref="NonNegativeLossFunctions"/>.</summary>
        public static readonly ImmutableArray<string> NonNegativeLossModuleNames = ImmutableArray.Create(
            "CrossEntropyLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
            "SoftMarginLoss", "MultiLabelSoftMarginLoss", "HingeEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "CosineEmbeddingLoss", "MultiMarginLoss");

        /// <summary>torch.nn.functional losses that are ≥ 0 for every input (NLL and KL divergence are not: they trust their inputs).</summary>
        public static readonly ImmutableHashSet<string> NonNegativeLossFunctions = ImmutableHashSet.Create(
            "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
            "soft_margin_loss", "multilabel_soft_margin_loss", "hinge_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "cosine_embedding_loss", "multi_margin_loss");

        // Per-run caches. The context lives as long as its compilation (below), so nothing here may keep a run's
        // semantic models alive: a training step is keyed weakly by its function's operation (gone with the run's
        // semantic model), the options by the AnalyzerOptions instance of the run.
        private readonly ConditionalWeakTable<AnalyzerOptions, ConcurrentDictionary<SyntaxTree, ImmutableHashSet<string>>> clippingMethods =
            new ConditionalWeakTable<AnalyzerOptions, ConcurrentDictionary<SyntaxTree, ImmutableHashSet<string>>>();
        private readonly ConditionalWeakTable<AnalyzerOptions, ConcurrentDictionary<SyntaxTree, int>> helperDepths =
            new ConditionalWeakTable<AnalyzerOptions, ConcurrentDictionary<SyntaxTree, int>>();
        // Lazy: GL1001–GL1004 ask for the same function's step at once from different threads, and a table's factory
        // may run once per thread that races for a key.
        private readonly ConditionalWeakTable<IOperation, System.Lazy<TrainingStep>> steps = new ConditionalWeakTable<IOperation, System.Lazy<TrainingStep>>();
        // Keyed by tree, which lives as long as the compilation anyway (a ConditionalWeakTable's locked add measured
        // as a cost of its own); one lazily built index per file, read without locks after that.
        private readonly ConcurrentDictionary<SyntaxTree, System.Lazy<SyntaxIndex>> indexes = new ConcurrentDictionary<SyntaxTree, System.Lazy<SyntaxIndex>>();

        /// <summary>What the gates and the text searches (<see cref="IdentifierSearch"/>) read from <paramref name="tree"/>, built once.</summary>
        public SyntaxIndex IndexOf(SyntaxTree tree) =>
            (indexes.TryGetValue(tree, out var index) ? index : indexes.GetOrAdd(tree, static t => new System.Lazy<SyntaxIndex>(() => SyntaxIndex.Of(t)))).Value;

        /// <summary>
        /// True when <paramref name="at"/>'s file declares a method named <paramref name="name"/>, or (unless
        /// <paramref name="orLocalFunction"/> is false) a function enclosing <paramref name="at"/> declares a local
        /// function of that name — the helpers the value analyses follow into.
        /// </summary>
        public bool DeclaresMethod(SyntaxNode at, string name, bool orLocalFunction = true)
        {
            var index = IndexOf(at.SyntaxTree);
            if (index.DeclaresMethod(name))
            {
                return true;
            }

            if (!orLocalFunction)
            {
                return false;
            }

            var member = at.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax>(m => m is not Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax)
                ?? (SyntaxNode?)at.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax>();
            return member is not null && index.DeclaresLocalFunction(name, member);
        }

        /// <summary><c>gradlint.clipping_helper_depth</c> for <paramref name="tree"/>, read once per tree.</summary>
        public int ClippingHelperDepth(AnalyzerOptions options, SyntaxTree tree)
        {
            // Asked for every candidate call: no closure on the path that finds the value.
            var perTree = helperDepths.GetValue(options, _ => new ConcurrentDictionary<SyntaxTree, int>());
            return perTree.TryGetValue(tree, out var depth) ? depth : perTree.GetOrAdd(tree, GradLintOptions.ClippingHelperDepth(options, tree));
        }

        /// <summary><c>gradlint.clipping_methods</c> for <paramref name="tree"/>, read and split once per tree.</summary>
        public ImmutableHashSet<string> ClippingMethods(AnalyzerOptions options, SyntaxTree tree)
        {
            var perTree = clippingMethods.GetValue(options, _ => new ConcurrentDictionary<SyntaxTree, ImmutableHashSet<string>>());
            return perTree.TryGetValue(tree, out var methods) ? methods : perTree.GetOrAdd(tree, GradLintOptions.ClippingMethods(options, tree));
        }

        /// <summary>The training step of the function <paramref name="operation"/> belongs to, built once and shared by GL1001–GL1004.</summary>
        public TrainingStep StepOf(IOperation operation, TrainingContext training) =>
            steps.GetValue(TrainingStep.RootOf(operation, this), root => new System.Lazy<TrainingStep>(() => TrainingStep.Build(root, training))).Value;

        // Keyed weakly by the operation, as the steps are. No Lazy: a loop's rules run one after another on one thread, and
        // a race computes the same list twice.
        private readonly ConditionalWeakTable<IOperation, TensorWorkOf> tensorWork = new ConditionalWeakTable<IOperation, TensorWorkOf>();

        /// <summary>
        /// The calls of per-step tensor work in <paramref name="root"/> (<see cref="TensorWork.Calls"/>), read once for every
        /// rule that asks: GL3001 and GL3003 read each loop's body, GL3002 and GL3003 the same bodies with their nested loops.
        /// </summary>
        public IReadOnlyList<(IInvocationOperation Call, TensorWorkKind Kind)> TensorWorkIn(IOperation root, bool intoLoops)
        {
            var of = tensorWork.GetValue(root, static _ => new TensorWorkOf());
            return intoLoops
                ? of.IntoLoops ??= TensorWork.Calls(root, this, intoLoops: true).ToArray()
                : of.Own ??= TensorWork.Calls(root, this, intoLoops: false).ToArray();
        }

        private sealed class TensorWorkOf
        {
            public (IInvocationOperation Call, TensorWorkKind Kind)[]? Own;
            public (IInvocationOperation Call, TensorWorkKind Kind)[]? IntoLoops;
        }

        // Keyed by a type of this compilation (its original definition) and the names asked about; both live as long as
        // the compilation anyway.
        private readonly ConcurrentDictionary<(ITypeSymbol Type, NameSet Of), string[]> namesBuiltIn =
            new ConcurrentDictionary<(ITypeSymbol Type, NameSet Of), string[]>(new TypeAndNamesComparer());

        /// <summary>
        /// Which of the names <paramref name="of"/> a call or object creation in <paramref name="type"/>'s own declarations
        /// (all its parts) names — <c>nn.Dropout(…)</c> and <c>new LSTM(…)</c> alike —, read from its syntax once per
        /// compilation: GL1001's risk reading and GL3003's mode check ask about the same model types for every step and
        /// loop that uses them. Each name is searched for in the declarations' text, not found by a walk of their nodes.
        /// Empty for a type declared in metadata.
        /// </summary>
        public IReadOnlyList<string> CalledOrCreatedNames(ITypeSymbol type, NameSet of)
        {
            var key = (type.OriginalDefinition, of);
            return namesBuiltIn.TryGetValue(key, out var names) ? names : namesBuiltIn.GetOrAdd(key, ReadCalledOrCreatedNames(key.OriginalDefinition, of));
        }

        private string[] ReadCalledOrCreatedNames(ITypeSymbol type, NameSet of)
        {
            var found = new List<string>();
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                var declaration = reference.GetSyntax();
                var file = IndexOf(reference.SyntaxTree);
                // Each name's occurrences in the declaration's text (usually none), not a walk of all its nodes.
                foreach (var name in of.Names)
                {
                    if (!found.Contains(name) && IdentifierSearch.Any(declaration, file, reference.Span, name, IdentifierSearch.NamesACallOrCreation))
                    {
                        found.Add(name);
                    }
                }
            }

            return found.Count == 0 ? System.Array.Empty<string>() : found.ToArray();
        }

        private sealed class TypeAndNamesComparer : IEqualityComparer<(ITypeSymbol Type, NameSet Of)>
        {
            public bool Equals((ITypeSymbol Type, NameSet Of) x, (ITypeSymbol Type, NameSet Of) y) =>
                ReferenceEquals(x.Of, y.Of) && SymbolEqualityComparer.Default.Equals(x.Type, y.Type);

            public int GetHashCode((ITypeSymbol Type, NameSet Of) key) =>
                (SymbolEqualityComparer.Default.GetHashCode(key.Type) * 31) + RuntimeHelpers.GetHashCode(key.Of);
        }

        /// <summary>
        /// The simple names of the methods invoked anywhere inside <paramref name="node"/> (lambdas and local functions
        /// included), from syntax: what every rule asks before it binds a helper, a method or a loop to see whether it
        /// may call backward, zero_grad, a clipping method or tensor work.
        /// </summary>
        public InvokedNameSet InvokedNames(SyntaxNode node) => IndexOf(node.SyntaxTree).InvokedNames(node);

        /// <summary>True when <paramref name="type"/> is <paramref name="module"/> (a TorchSharp module class, which is sealed).</summary>
        public static bool Is(ITypeSymbol? type, INamedTypeSymbol? module) =>
            module is not null && type is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, module);

        private static readonly ConditionalWeakTable<Compilation, Holder> PerCompilation = new ConditionalWeakTable<Compilation, Holder>();

        /// <summary>
        /// The one context of <paramref name="compilation"/>, shared by every GradLint analyzer (each asks at its own
        /// compilation start); null when the compilation does not reference TorchSharp.
        /// </summary>
        public static TorchContext? For(Compilation compilation) => PerCompilation.GetValue(compilation, c => new Holder(TryCreate(c))).Context;

        private sealed class Holder
        {
            public Holder(TorchContext? context) => Context = context;

            public TorchContext? Context { get; }
        }

        /// <summary>A new context for <paramref name="compilation"/> (fixers and tests; analyzers use <see cref="For"/>).</summary>
        public static TorchContext? TryCreate(Compilation compilation)
        {
            var torch = compilation.GetTypeByMetadataName("TorchSharp.torch");
            var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            var optimizer = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+Optimizer");
            var module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
            var autograd = compilation.GetTypeByMetadataName("TorchSharp.torch+autograd");
            var nnUtils = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+utils");
            if (torch is null || tensor is null || optimizer is null || module is null || autograd is null || nnUtils is null)
            {
                return null;
            }

            var symbols = new TorchContext(
                torch,
                tensor,
                optimizer,
                module,
                autograd,
                nnUtils,
                compilation.GetTypeByMetadataName("TorchSharp.torch+nn+functional"),
                compilation.GetTypeByMetadataName("TorchSharp.torch+special"),
                compilation.GetTypeByMetadataName("TorchSharp.torch+linalg"),
                compilation.GetTypeByMetadataName("GradLint.GuardedOptimizer"));
            symbols.IsTensorWorkName = TensorWorkNamePredicate(symbols.Functional, tensor);
            symbols.LRScheduler = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+lr_scheduler+LRScheduler");
            symbols.BceLossModule = compilation.GetTypeByMetadataName("TorchSharp.Modules.BCELoss");
            symbols.SigmoidModule = compilation.GetTypeByMetadataName("TorchSharp.Modules.Sigmoid");
            symbols.CrossEntropyLossModule = compilation.GetTypeByMetadataName("TorchSharp.Modules.CrossEntropyLoss");
            symbols.NllLossModule = compilation.GetTypeByMetadataName("TorchSharp.Modules.NLLLoss");
            symbols.SoftmaxModule = compilation.GetTypeByMetadataName("TorchSharp.Modules.Softmax");
            symbols.ModeDependentModules = ModuleTypes(compilation, ModeDependentModuleNames);
            symbols.NonNegativeLossModules = ModuleTypes(compilation, NonNegativeLossModuleNames);
            symbols.MathTypes = ImmutableHashSet.CreateRange<INamedTypeSymbol>(
                SymbolEqualityComparer.Default,
                new[] { compilation.GetTypeByMetadataName("System.Math"), compilation.GetTypeByMetadataName("System.MathF") }.Where(t => t is not null)!);
            return symbols;
        }

        // TorchSharp.Modules.<name> for each name this TorchSharp version has.
        private static ImmutableHashSet<INamedTypeSymbol> ModuleTypes(Compilation compilation, ImmutableArray<string> names)
        {
            var types = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var name in names)
            {
                if (compilation.GetTypeByMetadataName("TorchSharp.Modules." + name) is { } type)
                {
                    types.Add(type);
                }
            }

            return types.ToImmutable();
        }

        public bool IsScheduler(ITypeSymbol? type) => LRScheduler is not null && InheritsFrom(type, LRScheduler);

        public bool IsTensor(ITypeSymbol? type) => InheritsFrom(type, Tensor);

        public bool IsOptimizer(ITypeSymbol? type) => InheritsFrom(type, Optimizer);

        public bool IsModule(ITypeSymbol? type) => InheritsFrom(type, Module);

        // Asked for every forward pass of every loop and step the memory rules read; a type's base chain is walked once.
        private readonly ConcurrentDictionary<ITypeSymbol, bool> lossModules = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>True for TorchSharp's loss modules: every one derives from <c>TorchSharp.Loss&lt;…&gt;</c>.</summary>
        public bool IsLossModule(ITypeSymbol? type) =>
            type is not null && (lossModules.TryGetValue(type, out var isLoss) ? isLoss : lossModules.GetOrAdd(type, DerivesFromLoss(type)));

        private static bool DerivesFromLoss(ITypeSymbol type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current.Name == "Loss" && current.ContainingNamespace is { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true })
                {
                    return true;
                }
            }

            return false;
        }

        private static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
