using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>Small readings of operations and syntax that the walk and several rules share.</summary>
    internal static class Operations
    {
        /// <summary>The simple name an invocation calls (<c>AdamW</c> in <c>torch.optim.AdamW(…)</c>); method names cannot be aliased.</summary>
        public static string? InvokedName(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression switch
            {
                SimpleNameSyntax name => name.Identifier.ValueText,
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                _ => null,
            };
        }

        public static IArgumentOperation? Argument(ImmutableArray<IArgumentOperation> arguments, string name)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter?.Name == name)
                {
                    return argument;
                }
            }

            return null;
        }

        /// <summary>The parameters an optimizer or ParamGroup constructor receives (its first argument, see <see cref="TorchSharpOptimizers.ParametersOrdinal"/>).</summary>
        public static IArgumentOperation? ParametersArgument(ImmutableArray<IArgumentOperation> arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter?.Ordinal == TorchSharpOptimizers.ParametersOrdinal)
                {
                    return argument;
                }
            }

            return null;
        }

        /// <summary>The receiver of a call: the instance, or the first argument of an extension method.</summary>
        public static IOperation? Receiver(IInvocationOperation invocation)
            => invocation.Instance ?? (invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);

        /// <summary>An operation, or the initializer of the local it reads (from the same tree).</summary>
        public static IOperation ThroughLocal(IOperation operation, System.Threading.CancellationToken cancellationToken)
        {
            operation = ParameterSource.Unwrap(operation);
            if (operation is ILocalReferenceOperation local && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer)
            {
                return ParameterSource.Unwrap(initializer);
            }

            return operation;
        }

        /// <summary>The value <c>member = value</c> in an object creation's initializer, if it sets that member.</summary>
        public static IOperation? InitializerValue(IObjectCreationOperation creation, string member)
        {
            if (creation.Initializer is null)
            {
                return null;
            }

            foreach (var initializer in creation.Initializer.Initializers)
            {
                if (initializer is ISimpleAssignmentOperation assignment
                    && assignment.Target is IMemberReferenceOperation reference
                    && reference.Member.Name == member)
                {
                    return assignment.Value;
                }
            }

            return null;
        }

        /// <summary>Whether an argument is missing or a constant zero.</summary>
        public static bool IsZero(IArgumentOperation? argument)
            => argument is null || IsZeroValue(argument.Value);

        public static bool IsZeroValue(IOperation value)
        {
            var constant = ParameterSource.Unwrap(value).ConstantValue;
            if (!constant.HasValue)
            {
                constant = value.ConstantValue;
            }

            return constant.HasValue && constant.Value is not null && System.Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture) == 0.0;
        }

        /// <summary>An argument as written, or its default value when it was left out.</summary>
        public static string DescribeValue(IArgumentOperation? argument)
            => argument is null ? "0" : argument.ArgumentKind == ArgumentKind.Explicit ? argument.Value.Syntax.ToString() : DescribeValue(argument.Value);

        public static string DescribeValue(IOperation value)
            => value.ConstantValue is { HasValue: true, Value: { } constant } && value.IsImplicit
                ? System.Convert.ToString(constant, CultureInfo.InvariantCulture) ?? "?"
                : value.Syntax.ToString();

        /// <summary>A number as C# source: <c>0.01</c>.</summary>
        public static string Literal(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>T of <c>IEnumerable&lt;T&gt;</c> (or of a type implementing it).</summary>
        public static ITypeSymbol? ElementType(ITypeSymbol? type)
        {
            if (type is null)
            {
                return null;
            }

            if (type is IArrayTypeSymbol array)
            {
                return array.ElementType;
            }

            foreach (var candidate in new[] { type }.Concat(type.AllInterfaces))
            {
                if (candidate is INamedTypeSymbol { Arity: 1, Name: "IEnumerable" } named && named.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic")
                {
                    return named.TypeArguments[0];
                }
            }

            return null;
        }

        /// <summary>Whether the elements are <c>(string name, Parameter parameter)</c> tuples.</summary>
        public static bool IsNamed(ITypeSymbol? element)
            => element is INamedTypeSymbol { IsTupleType: true };

        /// <summary>Whether an expression found while tracing can be written at <paramref name="site"/> (same member body).</summary>
        public static bool InScope(IOperation operation, IOperation site)
        {
            var unwrapped = ParameterSource.Unwrap(operation);
            if (unwrapped.Syntax.SyntaxTree != site.Syntax.SyntaxTree)
            {
                return false;
            }

            var root = unwrapped;
            while (root is IFieldReferenceOperation { Instance: not null } || root is IPropertyReferenceOperation { Instance: not null })
            {
                root = root is IFieldReferenceOperation f ? f.Instance! : ((IPropertyReferenceOperation)root).Instance!;
            }

            return root switch
            {
                IInstanceReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation => EnclosingType(unwrapped.Syntax) == EnclosingType(site.Syntax),
                ILocalReferenceOperation or IParameterReferenceOperation => EnclosingMember(unwrapped.Syntax) == EnclosingMember(site.Syntax) && (site.Syntax.Span.Contains(unwrapped.Syntax.Span) || unwrapped.Syntax.SpanStart <= site.Syntax.SpanStart),
                _ => false,
            };
        }

        /// <summary>
        /// The body a node runs in, in statement order: a method, accessor, local function, lambda, expression body, or
        /// the file's top-level statements; null elsewhere (a field initializer).
        /// </summary>
        public static SyntaxNode? ExecutableBody(SyntaxNode node)
        {
            var body = node.FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax
                or AnonymousFunctionExpressionSyntax or ArrowExpressionClauseSyntax);
            return body switch
            {
                GlobalStatementSyntax statement => statement.Parent,
                BaseMethodDeclarationSyntax => body,
                MemberDeclarationSyntax => null,
                _ => body,
            };
        }

        /// <summary>The nodes of <paramref name="body"/> that run with it: not those of nested lambdas, local functions or type declarations.</summary>
        public static System.Collections.Generic.IEnumerable<SyntaxNode> NodesOf(SyntaxNode body)
            => body.DescendantNodes(n => n == body || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseTypeDeclarationSyntax or BaseNamespaceDeclarationSyntax));

        public static SyntaxNode? EnclosingMember(SyntaxNode node)
            => node.FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax);

        public static SyntaxNode? EnclosingType(SyntaxNode node)
            => node.FirstAncestorOrSelf<TypeDeclarationSyntax>();

        /// <summary>Source text on one line, at most 80 characters.</summary>
        public static string Shorten(string text)
        {
            text = string.Join(" ", text.Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
            return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
        }
    }
}
