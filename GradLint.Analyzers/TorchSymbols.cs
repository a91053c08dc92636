using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers
{
    /// <summary>
    /// The TorchSharp symbols GradLint's rules ask about, resolved once per compilation.
    /// <see cref="TryCreate"/> returns null when the compilation does not reference TorchSharp, and
    /// analyzers then register nothing (zero cost for other projects).
    /// </summary>
    internal sealed class TorchSymbols
    {
        private TorchSymbols(
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

        /// <summary><c>torch.special</c>.</summary>
        public INamedTypeSymbol? Special { get; }

        /// <summary><c>torch.linalg</c>.</summary>
        public INamedTypeSymbol? Linalg { get; }

        /// <summary><c>GradLint.GuardedOptimizer</c> when the compilation references GradLint.Runtime.</summary>
        public INamedTypeSymbol? GuardedOptimizer { get; }

        /// <summary><c>torch.optim.lr_scheduler.LRScheduler</c>, the base of TorchSharp's learning-rate schedulers.</summary>
        public INamedTypeSymbol? LRScheduler { get; private set; }

        public static TorchSymbols? TryCreate(Compilation compilation)
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

            var symbols = new TorchSymbols(
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
            symbols.LRScheduler = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+lr_scheduler+LRScheduler");
            return symbols;
        }

        public bool IsScheduler(ITypeSymbol? type) => LRScheduler is not null && InheritsFrom(type, LRScheduler);

        public bool IsTensor(ITypeSymbol? type) => InheritsFrom(type, Tensor);

        public bool IsOptimizer(ITypeSymbol? type) => InheritsFrom(type, Optimizer);

        public bool IsModule(ITypeSymbol? type) => InheritsFrom(type, Module);

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
