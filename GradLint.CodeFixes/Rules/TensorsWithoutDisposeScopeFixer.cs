using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Editing;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL3001 fix: <c>using var scope = torch.NewDisposeScope();</c> as the first statement of the loop body (or
    /// the method), so every tensor the step creates is freed when the step ends — and, so that nothing the code
    /// still uses is freed with them, <c>.MoveToOuterDisposeScope()</c> on every tensor that leaves the step:
    /// assigned to a variable declared outside it, a field or a property; returned; added to a collection that
    /// outlives it; passed to a constructor of a non-TorchSharp type, to a method of another library, or to a method
    /// of this file that stores the argument. <c>t op= v</c> on an outer tensor becomes
    /// <c>t = (t op v).MoveToOuterDisposeScope()</c>.
    /// Moving a tensor out can only keep it alive longer, never free it early; so no fix is offered where a tensor
    /// leaves in a form that cannot be moved (a tuple or array of tensors, a deconstruction, an <c>out</c>
    /// argument), or where the scope would span an <c>await</c> or <c>yield</c> (a dispose scope belongs to one thread
    /// and one stretch of code).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TensorsWithoutDisposeScopeFixer)), Shared]
    public sealed class TensorsWithoutDisposeScopeFixer : PlannedFixer<TensorsWithoutDisposeScopeFixer.Scope>
    {
        /// <summary>Equivalence key of the fix.</summary>
        public const string Key = "GL3001_OpenADisposeScopePerStep";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL3001_TensorsWithoutDisposeScope.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>The body that gets the scope, the escaping tensors to move out, and the compound assignments to rewrite.</summary>
        public sealed class Scope
        {
            internal Scope(StatementSyntax body, string name, IReadOnlyList<ExpressionSyntax> moved, IReadOnlyList<AssignmentExpressionSyntax> rewritten)
            {
                Body = body;
                Name = name;
                Moved = moved;
                Rewritten = rewritten;
            }

            internal StatementSyntax Body { get; }
            internal string Name { get; }
            internal IReadOnlyList<ExpressionSyntax> Moved { get; }
            internal IReadOnlyList<AssignmentExpressionSyntax> Rewritten { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Scope plan)
        {
            var moved = plan.Moved.Count + plan.Rewritten.Count;
            yield return (Key, $"Free each step's tensors: using var {plan.Name} = torch.NewDisposeScope();"
                + (moved == 0 ? string.Empty : $" (and move {moved} tensor{(moved == 1 ? string.Empty : "s")} that outlive the step out of it)"));
        }

        protected override Scope? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            StatementSyntax? body = null;
            var isMethod = false;
            if (SyntaxScopes.IsLoop(token.Parent))
            {
                body = SyntaxScopes.LoopBody(token.Parent)!;
            }
            else if (token.Parent is MethodDeclarationSyntax { Body: { } methodBody })
            {
                (body, isMethod) = (methodBody, true);
            }
            else if (token.Parent is LocalFunctionStatementSyntax { Body: { } localBody })
            {
                (body, isMethod) = (localBody, true);
            }

            if (body is null || body is BlockSyntax { Statements.Count: 0 }
                || body.DescendantNodesAndSelf(n => !IsNestedFunction(n)).Any(n => n is AwaitExpressionSyntax or YieldStatementSyntax))
            {
                return null;
            }

            var moved = new List<ExpressionSyntax>();
            var rewritten = new List<AssignmentExpressionSyntax>();
            if (!FindEscapes(body, isMethod, model, moved, rewritten, cancellationToken))
            {
                return null;
            }

            var first = body is BlockSyntax block ? block.Statements[0] : body;
            return new Scope(body, FreeNames.Pick(first, model, "scope"), moved, rewritten);
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Scope> plans, string key)
        {
            var endOfLine = Placement.EndOfLine(editor.OriginalRoot);

            // A tensor leaving two nested scopes (an inner and an outer loop both fixed) is moved out twice.
            foreach (var group in plans.SelectMany(p => p.Moved).GroupBy(e => e).OrderBy(g => g.Key.Span.Length))
            {
                var times = group.Count();
                editor.ReplaceNode(group.Key, (node, _) =>
                {
                    var expression = (ExpressionSyntax)node;
                    var result = ExpressionReplacement.AsReceiver(expression);
                    for (int i = 0; i < times; i++)
                    {
                        result = SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(
                            SyntaxKind.SimpleMemberAccessExpression, result, SyntaxFactory.IdentifierName("MoveToOuterDisposeScope")));
                    }

                    return result.WithTriviaFrom(expression);
                });
            }

            foreach (var assignment in plans.SelectMany(p => p.Rewritten).Distinct())
            {
                editor.ReplaceNode(assignment, (node, _) =>
                {
                    var current = (AssignmentExpressionSyntax)node;
                    var operatorText = current.OperatorToken.Text.TrimEnd('=');
                    var sum = SyntaxFactory.ParseExpression($"{current.Left.WithoutTrivia()} {operatorText} ({current.Right.WithoutTrivia()})");
                    var combined = ExpressionReplacement.MemberCall(SimplifiedParentheses(sum), "MoveToOuterDisposeScope()");
                    return SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, current.Left.WithoutTrivia(), combined).WithTriviaFrom(current);
                });
            }

            foreach (var plan in plans.GroupBy(p => p.Body).Select(g => g.First()))
            {
                var statement = TorchStatements.UsingVar(plan.Name, "NewDisposeScope");
                var placement = plan.Body is BlockSyntax block ? Placement.BeforeStatement(block.Statements[0]) : Placement.BeforeStatement(plan.Body);
                placement.Apply(editor, new[] { statement }, endOfLine);
            }
        }

        /// <summary>
        /// Collects every tensor that leaves <paramref name="body"/>; false when one leaves in a form that cannot be
        /// moved out, so no fix is offered.
        /// </summary>
        private static bool FindEscapes(StatementSyntax body, bool isMethod, SemanticModel model, List<ExpressionSyntax> moved, List<AssignmentExpressionSyntax> rewritten, CancellationToken cancellationToken)
        {
            var tensor = model.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            if (tensor is null || model.GetOperation(body, cancellationToken) is not { } region)
            {
                return false;
            }

            bool IsTensor(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, tensor);
            bool HoldsTensor(ITypeSymbol? type) => type switch
            {
                null => false,
                IArrayTypeSymbol array => IsTensor(array.ElementType) || HoldsTensor(array.ElementType),
                INamedTypeSymbol { IsTupleType: true } tuple => tuple.TupleElements.Any(e => IsTensor(e.Type) || HoldsTensor(e.Type)),
                _ => InheritsFrom(type, tensor) && !IsTensor(type),   // Parameter and other subclasses: MoveToOuterDisposeScope() returns Tensor
            };
            bool Outside(IOperation? target) => !DeclaredInside(target, body, isMethod);

            foreach (var operation in region.DescendantsAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (InsideNestedFunction(operation, region))
                {
                    continue;
                }

                switch (operation)
                {
                    case IReturnOperation { ReturnedValue: { } value }:
                        if (!Move(value))
                        {
                            return false;
                        }

                        break;
                    case ISimpleAssignmentOperation assignment when Outside(assignment.Target):
                        if (!Move(assignment.Value))
                        {
                            return false;
                        }

                        break;
                    case ICompoundAssignmentOperation compound when Outside(compound.Target) && (IsTensor(compound.Target.Type) || HoldsTensor(compound.Target.Type)):
                        if (!IsTensor(compound.Target.Type) || compound.Target is not (ILocalReferenceOperation or IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } or IParameterReferenceOperation)
                            || compound.Syntax is not AssignmentExpressionSyntax syntax)
                        {
                            return false;
                        }

                        rewritten.Add(syntax);
                        break;
                    case IDeconstructionAssignmentOperation deconstruction when HoldsTensor(deconstruction.Value.Type) || IsTensor(deconstruction.Value.Type):
                        if (deconstruction.Target.DescendantsAndSelf().Any(t => t is ILocalReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation
                            && !t.IsImplicit && Outside(t) && (IsTensor(t.Type) || HoldsTensor(t.Type))))
                        {
                            return false;
                        }

                        break;
                    case IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } reference when (IsTensor(reference.Value.Type) || HoldsTensor(reference.Value.Type)) && Outside(reference.Value):
                        return false;
                    case IInvocationOperation call when StoresItsArguments(call, body, isMethod, model, tensor, cancellationToken):
                        foreach (var argument in call.Arguments)
                        {
                            if ((IsTensor(argument.Value.Type) || HoldsTensor(argument.Value.Type)) && !argument.IsImplicit && !Move(argument.Value))
                            {
                                return false;
                            }
                        }

                        break;
                    case IObjectCreationOperation creation when creation.Type is { } created && !FromTorchSharpOrTheFramework(created.ContainingAssembly, tensor):
                        foreach (var argument in creation.Arguments)
                        {
                            if ((IsTensor(argument.Value.Type) || HoldsTensor(argument.Value.Type)) && !argument.IsImplicit && !Move(argument.Value))
                            {
                                return false;
                            }
                        }

                        break;
                }
            }

            return true;

            bool Move(IOperation value)
            {
                var stripped = value;
                while (stripped is IConversionOperation { IsImplicit: true } conversion)
                {
                    stripped = conversion.Operand;
                }

                if (IsTensor(stripped.Type))
                {
                    if (stripped.Syntax is ExpressionSyntax expression && !stripped.IsImplicit && stripped.ConstantValue.HasValue == false
                        && stripped is not (IDefaultValueOperation or ILiteralOperation))
                    {
                        moved.Add(expression);
                    }

                    return true;
                }

                return !HoldsTensor(stripped.Type);
            }
        }

        /// <summary>
        /// True when a call may keep its tensor arguments beyond the step: a collection's add on a collection that
        /// outlives it; a method of another library (neither TorchSharp nor the framework); a method of this file
        /// whose body stores a parameter (assigns it, adds it to a collection, or passes it to a constructor).
        /// </summary>
        private static bool StoresItsArguments(IInvocationOperation call, StatementSyntax body, bool isMethod, SemanticModel model, INamedTypeSymbol tensor, CancellationToken cancellationToken)
        {
            var method = call.TargetMethod;
            if (!call.Arguments.Any(a => InheritsFrom(a.Value.Type, tensor) || a.Value.Type is IArrayTypeSymbol { ElementType: var e } && InheritsFrom(e, tensor)))
            {
                return false;
            }

            if (IsCollectionStore(method.Name) && call.Instance is { } receiver)
            {
                return !DeclaredInside(receiver, body, isMethod);
            }

            if (FromTorchSharpOrTheFramework(method.ContainingAssembly, tensor))
            {
                return false;
            }

            var declarations = method.OriginalDefinition.DeclaringSyntaxReferences;
            if (declarations.IsEmpty)
            {
                return true;   // another library's method: it may keep what it is given
            }

            foreach (var reference in declarations)
            {
                var declaration = reference.GetSyntax(cancellationToken);
                var parameters = new HashSet<string>(method.Parameters.Where(p => InheritsFrom(p.Type, tensor)).Select(p => p.Name));
                var bodyNode = declaration switch
                {
                    MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
                    LocalFunctionStatementSyntax l => (SyntaxNode?)l.Body ?? l.ExpressionBody,
                    _ => null,
                };
                if (bodyNode is null)
                {
                    return true;   // abstract or interface: unknown
                }

                foreach (var name in bodyNode.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => parameters.Contains(n.Identifier.ValueText)))
                {
                    var use = name.Parent;
                    while (use is CastExpressionSyntax or ParenthesizedExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression })
                    {
                        use = use.Parent;
                    }

                    if (use is AssignmentExpressionSyntax assignment && assignment.Right.Span.Contains(name.Span)
                        || use is ArgumentSyntax { Parent.Parent: ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax }
                        || use is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax invocation } && IsCollectionStore(Analyzers.Model.CandidateInvocations.InvokedName(invocation) ?? string.Empty)
                        || use is InitializerExpressionSyntax or AnonymousObjectMemberDeclaratorSyntax)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        // A collection's add (and a Set, which may store too: moving a tensor out only keeps it longer).
        private static bool IsCollectionStore(string name) => name == "Set" || Analyzers.Model.TensorWork.CollectionAdds.Contains(name);

        private static bool FromTorchSharpOrTheFramework(IAssemblySymbol? assembly, INamedTypeSymbol tensor) =>
            assembly is null
            || SymbolEqualityComparer.Default.Equals(assembly, tensor.ContainingAssembly)
            || assembly.Name is "System.Runtime" or "System.Private.CoreLib" or "mscorlib" or "netstandard" or "System.Linq" or "System.Console" or "System.Collections"
            || assembly.Name.StartsWith("System.", System.StringComparison.Ordinal) || assembly.Name.StartsWith("Microsoft.", System.StringComparison.Ordinal);

        /// <summary>True when the storage <paramref name="target"/> names is a local (or, for a method, a value parameter) of <paramref name="body"/>.</summary>
        private static bool DeclaredInside(IOperation? target, StatementSyntax body, bool isMethod)
        {
            while (target is IConversionOperation conversion)
            {
                target = conversion.Operand;
            }

            switch (target)
            {
                case ILocalReferenceOperation local:
                    return local.Local.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == body.SyntaxTree && body.Span.Contains(r.Span));
                case IParameterReferenceOperation parameter:
                    return isMethod && parameter.Parameter.RefKind == RefKind.None
                        && parameter.Parameter.ContainingSymbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax().Span.Contains(body.Span));
                case IPropertyReferenceOperation { Instance: { } instance } when instance is not IInstanceReferenceOperation:
                    return DeclaredInside(instance, body, isMethod);   // a member of an object the step made
                case IFieldReferenceOperation { Instance: { } instance } when instance is not IInstanceReferenceOperation:
                    return DeclaredInside(instance, body, isMethod);
                case IArrayElementReferenceOperation element:
                    return DeclaredInside(element.ArrayReference, body, isMethod);
                case IDiscardOperation:
                    return true;
                default:
                    return false;
            }
        }

        private static bool InsideNestedFunction(IOperation operation, IOperation region)
        {
            for (var current = operation.Parent; current is not null && current != region; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    return true;
                }
            }

            return false;
        }

        // The right operand was parenthesised to keep its precedence; the simplifier drops the parentheses where they are not needed.
        private static ExpressionSyntax SimplifiedParentheses(ExpressionSyntax expression) =>
            expression.ReplaceNodes(expression.DescendantNodes().OfType<ParenthesizedExpressionSyntax>(), (_, p) => p.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation));

        private static bool IsNestedFunction(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

        private static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, baseType))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
