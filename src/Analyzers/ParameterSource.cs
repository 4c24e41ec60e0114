using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>
    /// What an expression handed to an optimizer or ParamGroup as its parameters is made of, found by following
    /// locals, field initializers, LINQ sources, constructor arguments, collection initializers, collection
    /// expressions and spreads (semantic operations only; a local's initializer is read from the same tree).
    /// </summary>
    internal sealed class ParameterSource
    {
        private const int MaxDepth = 10;

        private static readonly HashSet<string> Materializers = new HashSet<string>
        {
            "ToArray", "ToList", "ToHashSet", "ToImmutableArray", "ToImmutableList", "ToImmutableHashSet", "ToFrozenSet",
            "ToDictionary", "ToLookup",
        };

        private static readonly HashSet<string> PassThrough = new HashSet<string> { "AsEnumerable", "AsReadOnly", "ToArray", "ToList", "ToImmutableArray", "ToImmutableList" };

        private static readonly HashSet<string> Reordering = new HashSet<string> { "OrderBy", "OrderByDescending", "ThenBy", "ThenByDescending", "Order", "OrderDescending" };

        private static readonly HashSet<string> SecondSource = new HashSet<string> { "Concat", "Union", "Append", "Prepend", "Zip", "UnionBy" };

        private readonly TorchSharpApi api;
        private readonly CancellationToken cancellationToken;
        private readonly HashSet<ISymbol> visitedSymbols = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        private ParameterSource(TorchSharpApi api, CancellationToken cancellationToken)
        {
            this.api = api;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>Why the order is unstable ("a HashSet&lt;Parameter&gt;"), or null when it is stable.</summary>
        public string? Unordered { get; private set; }

        /// <summary>The local, field or parameter holding the unordered collection, when there is one (for the fix).</summary>
        public IOperation? UnorderedRoot { get; private set; }

        /// <summary>Whether the expression itself is a lazy query (re-run on every enumeration).</summary>
        public bool Lazy { get; private set; }

        /// <summary>The receiver of <c>x.parameters()</c>/<c>x.named_parameters()</c> the expression comes from, if any.</summary>
        public IOperation? ModelReceiver { get; private set; }

        /// <summary>"parameters" or "named_parameters".</summary>
        public string? ModelMethod { get; private set; }

        /// <summary>Whether the expression is exactly the model's parameters (through locals and materialization, no filter).</summary>
        public bool IsWholeModel { get; private set; }

        /// <summary>Parameters listed one by one (array and list elements, collection expressions, <c>Add</c> calls).</summary>
        public List<IOperation> Elements { get; } = new List<IOperation>();

        /// <summary>Whether the expression is made only of listed elements (so what it leaves out is visible).</summary>
        public bool ElementsOnly { get; private set; } = true;

        public static ParameterSource Trace(TorchSharpApi api, IOperation expression, CancellationToken cancellationToken)
        {
            var source = new ParameterSource(api, cancellationToken);
            source.Lazy = source.IsLazy(expression, 0);
            source.IsWholeModel = source.TraceWhole(expression, 0);
            source.Visit(expression, 0, filtered: false);
            return source;
        }

        /// <summary>Strips conversions and parentheses.</summary>
        public static IOperation Unwrap(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion:
                        operation = conversion.Operand;
                        break;
                    case IParenthesizedOperation parenthesized:
                        operation = parenthesized.Operand;
                        break;
                    case ITranslatedQueryOperation query:
                        operation = query.Operation;
                        break;
                    case IArgumentOperation argument:
                        operation = argument.Value;
                        break;
                    default:
                        return operation;
                }
            }
        }

        /// <summary>A comparable path for a member chain (<c>this.fc.weight</c>, <c>model.fc.weight</c>), or null.</summary>
        public static string? Path(IOperation? operation)
        {
            if (operation is null)
            {
                return null;
            }

            operation = Unwrap(operation);
            switch (operation)
            {
                case IInstanceReferenceOperation:
                    return "this";
                case ILocalReferenceOperation local:
                    return local.Local.Name;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter.Name;
                case IFieldReferenceOperation field:
                    return Member(field.Instance, field.Field);
                case IPropertyReferenceOperation property when property.Arguments.Length == 0:
                    return Member(property.Instance, property.Property);
                default:
                    return null;
            }

            static string? Member(IOperation? instance, ISymbol member)
            {
                if (instance is null)
                {
                    return member.ContainingType?.Name + "." + member.Name;
                }

                var prefix = Path(instance);
                return prefix is null ? null : (prefix == "this" ? member.Name : prefix + "." + member.Name);
            }
        }

        /// <summary>The operation a local was initialized with, read from the declaring syntax in the same tree.</summary>
        public static IOperation? LocalInitializer(ILocalSymbol local, SemanticModel? model, CancellationToken cancellationToken)
        {
            if (model is null)
            {
                return null;
            }

            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == model.SyntaxTree
                    && reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value })
                {
                    return model.GetOperation(value, cancellationToken);
                }
            }

            return null;
        }

        private bool IsLazy(IOperation operation, int depth)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            operation = Unwrap(operation);
            switch (operation)
            {
                case ILocalReferenceOperation local when visitedSymbols.Add(local.Local):
                    var initializer = LocalInitializer(local.Local, operation.SemanticModel, cancellationToken);
                    visitedSymbols.Remove(local.Local);
                    return initializer is not null && IsLazy(initializer, depth + 1);
                case IInvocationOperation invocation when IsLinq(invocation.TargetMethod):
                    var name = invocation.TargetMethod.Name;
                    if (Materializers.Contains(name))
                    {
                        return false;
                    }

                    return name != "AsEnumerable" || (Source(invocation) is { } inner && IsLazy(inner, depth + 1));
                case IInvocationOperation invocation:
                    return IsIterator(invocation.TargetMethod);
                case IConditionalOperation conditional:
                    return (conditional.WhenTrue is { } t && IsLazy(t, depth + 1)) || (conditional.WhenFalse is { } f && IsLazy(f, depth + 1));
                default:
                    return false;
            }
        }

        private bool TraceWhole(IOperation operation, int depth)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            operation = Unwrap(operation);
            switch (operation)
            {
                case ILocalReferenceOperation local when visitedSymbols.Add(local.Local):
                    var initializer = LocalInitializer(local.Local, operation.SemanticModel, cancellationToken);
                    visitedSymbols.Remove(local.Local);
                    return initializer is not null && TraceWhole(initializer, depth + 1);
                case IInvocationOperation invocation when IsModelEnumeration(invocation):
                    return true;
                case IInvocationOperation invocation when IsLinq(invocation.TargetMethod) && PassThrough.Contains(invocation.TargetMethod.Name):
                    return Source(invocation) is { } source && TraceWhole(source, depth + 1);
                case IObjectCreationOperation creation when creation.Arguments.Length == 1 && creation.Initializer is null:
                    return TraceWhole(creation.Arguments[0].Value, depth + 1);
                default:
                    return false;
            }
        }

        private void Visit(IOperation? operation, int depth, bool filtered)
        {
            if (operation is null || depth > MaxDepth)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            operation = Unwrap(operation);
            if (Unordered is null && api.DescribeUnordered(operation.Type) is { } what)
            {
                MarkUnordered(what, operation);
            }

            switch (operation)
            {
                case ILocalReferenceOperation local:
                    if (visitedSymbols.Add(local.Local))
                    {
                        var initializer = LocalInitializer(local.Local, operation.SemanticModel, cancellationToken);
                        if (initializer is null)
                        {
                            ElementsOnly = false;
                        }
                        else
                        {
                            Visit(initializer, depth + 1, filtered);
                        }

                        VisitAddCalls(local, depth);
                    }

                    break;
                case IPropertyReferenceOperation { Property.Name: "Keys" or "Values" } property when api.IsUnorderedDictionary(property.Instance?.Type):
                    ElementsOnly = false;
                    if (Unordered is null || UnorderedRoot is null)
                    {
                        MarkUnordered(
                            "the " + property.Property.Name.ToLowerInvariant() + " of " + api.DescribeUnordered(property.Instance!.Type),
                            property.Instance);
                    }

                    break;
                case IInvocationOperation invocation:
                    VisitInvocation(invocation, depth, filtered);
                    break;
                case IObjectCreationOperation creation:
                    foreach (var argument in creation.Arguments)
                    {
                        if (argument.Value.Type is { SpecialType: not SpecialType.System_Int32 } && !api.IsParameter(argument.Value.Type))
                        {
                            Visit(argument.Value, depth + 1, filtered);
                        }
                    }

                    if (creation.Initializer is { } initializer2)
                    {
                        foreach (var element in initializer2.Initializers)
                        {
                            if (element is IInvocationOperation { Arguments.Length: 1 } add)
                            {
                                AddElement(add.Arguments[0].Value, depth);
                            }
                        }
                    }

                    break;
                case IArrayCreationOperation array:
                    if (array.Initializer is null)
                    {
                        ElementsOnly = false;
                    }
                    else
                    {
                        foreach (var element in array.Initializer.ElementValues)
                        {
                            AddElement(element, depth);
                        }
                    }

                    break;
                case { Syntax: CollectionExpressionSyntax } collection:
                    foreach (var (element, isSpread) in CollectionElements(collection, cancellationToken))
                    {
                        if (isSpread)
                        {
                            Visit(element, depth + 1, filtered);
                        }
                        else
                        {
                            AddElement(element, depth);
                        }
                    }

                    break;
                case IConditionalOperation conditional:
                    Visit(conditional.WhenTrue, depth + 1, filtered);
                    Visit(conditional.WhenFalse, depth + 1, filtered);
                    break;
                case ICoalesceOperation coalesce:
                    Visit(coalesce.Value, depth + 1, filtered);
                    Visit(coalesce.WhenNull, depth + 1, filtered);
                    break;
                case IFieldReferenceOperation field:
                    ElementsOnly = false;
                    if (visitedSymbols.Add(field.Field) && FieldInitializer(field) is { } fieldInitializer)
                    {
                        Visit(fieldInitializer, depth + 1, filtered);
                    }

                    break;
                default:
                    ElementsOnly = false;
                    break;
            }
        }

        private void VisitInvocation(IInvocationOperation invocation, int depth, bool filtered)
        {
            if (IsModelEnumeration(invocation))
            {
                ElementsOnly = false;
                if (ModelReceiver is null)
                {
                    ModelReceiver = invocation.Instance;
                    ModelMethod = invocation.TargetMethod.Name;
                }

                return;
            }

            if (!IsLinq(invocation.TargetMethod))
            {
                ElementsOnly = false;
                return;
            }

            var name = invocation.TargetMethod.Name;
            if (Reordering.Contains(name))
            {
                ElementsOnly = false;
                return; // sorted: the order is as stable as the key
            }

            if (!PassThrough.Contains(name) && !Materializers.Contains(name))
            {
                ElementsOnly = false;
            }

            Visit(Source(invocation), depth + 1, filtered || !PassThrough.Contains(name));
            if (name == "SelectMany")
            {
                // The selector's results become the elements: a method group or lambda returning a set is unordered too.
                foreach (var argument in invocation.Arguments)
                {
                    if (Unwrap(argument.Value) is IDelegateCreationOperation creation && Unordered is null)
                    {
                        var returned = creation.Target switch
                        {
                            IMethodReferenceOperation method => method.Method.ReturnType,
                            IAnonymousFunctionOperation lambda => lambda.Symbol.ReturnType,
                            _ => null,
                        };
                        if (api.DescribeUnordered(returned) is { } what)
                        {
                            MarkUnordered(what + " returned by the selector", null);
                        }
                    }
                }
            }

            if (SecondSource.Contains(name) && invocation.Arguments.Length > 1)
            {
                var second = invocation.Arguments[1].Value;
                if (second.Type is not null && !api.IsParameter(second.Type) && second is not IDelegateCreationOperation)
                {
                    Visit(second, depth + 1, filtered);
                }
                else if (api.IsParameter(second.Type))
                {
                    AddElement(second, depth);
                }
            }
        }

        private void VisitAddCalls(ILocalReferenceOperation local, int depth)
        {
            var model = local.SemanticModel;
            if (model is null)
            {
                return;
            }

            foreach (var reference in local.Local.DeclaringSyntaxReferences)
            {
                var declarator = reference.GetSyntax(cancellationToken);
                var body = declarator.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax);
                if (body is null || body.SyntaxTree != model.SyntaxTree)
                {
                    continue;
                }

                foreach (var call in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" or "AddRange" or "Insert" or "UnionWith" } access
                        && access.Expression is IdentifierNameSyntax identifier
                        && identifier.Identifier.ValueText == local.Local.Name
                        && model.GetOperation(call, cancellationToken) is IInvocationOperation add
                        && add.Instance is ILocalReferenceOperation target
                        && SymbolEqualityComparer.Default.Equals(target.Local, local.Local))
                    {
                        foreach (var argument in add.Arguments)
                        {
                            if (api.IsParameter(argument.Value.Type) || api.IsParameter(Unwrap(argument.Value).Type))
                            {
                                AddElement(argument.Value, depth);
                            }
                            else if (argument.Value.Type is { SpecialType: not SpecialType.System_Int32 })
                            {
                                Visit(argument.Value, depth + 1, filtered: false);
                            }
                        }
                    }
                }
            }
        }

        private IOperation? FieldInitializer(IFieldReferenceOperation field)
        {
            var model = field.SemanticModel;
            if (model is null)
            {
                return null;
            }

            foreach (var reference in field.Field.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == model.SyntaxTree
                    && reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value })
                {
                    return model.GetOperation(value, cancellationToken);
                }
            }

            return null;
        }

        private void AddElement(IOperation element, int depth)
        {
            Elements.Add(Unwrap(element));
        }

        /// <summary>
        /// The elements of a collection expression (<c>[a, b, ..rest]</c>), read through the syntax: Roslyn 4.8, which
        /// the analyzers target, has no public operation for collection expressions.
        /// </summary>
        public static IEnumerable<(IOperation Element, bool IsSpread)> CollectionElements(IOperation collection, CancellationToken cancellationToken)
        {
            if (collection.Syntax is not CollectionExpressionSyntax syntax || collection.SemanticModel is not { } model)
            {
                yield break;
            }

            foreach (var element in syntax.Elements)
            {
                var (expression, isSpread) = element switch
                {
                    ExpressionElementSyntax e => (e.Expression, false),
                    SpreadElementSyntax s => (s.Expression, true),
                    _ => ((ExpressionSyntax?)null, false),
                };
                if (expression is not null && model.GetOperation(expression, cancellationToken) is { } operation)
                {
                    yield return (operation, isSpread);
                }
            }
        }

        private void MarkUnordered(string what, IOperation? root)
        {
            Unordered = what;
            root = root is null ? null : Unwrap(root);
            if (root is ILocalReferenceOperation or IFieldReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation)
            {
                UnorderedRoot = root;
            }
        }

        private bool IsModelEnumeration(IInvocationOperation invocation)
            => invocation.TargetMethod.Name is "parameters" or "named_parameters"
                && invocation.Instance is { } instance
                && api.IsModule(instance.Type);

        private bool IsLinq(IMethodSymbol method)
            => method.IsExtensionMethod
                && (SymbolEqualityComparer.Default.Equals(method.ContainingType, api.Enumerable)
                    || method.ContainingType?.ContainingNamespace?.ToDisplayString() is "System.Linq" or "System.Collections.Immutable" or "System.Collections.Frozen");

        private static IOperation? Source(IInvocationOperation invocation)
            => invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);

        private bool IsIterator(IMethodSymbol method)
        {
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(cancellationToken);
                foreach (var node in syntax.DescendantNodes(n => n == syntax || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
                {
                    if (node is YieldStatementSyntax)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
