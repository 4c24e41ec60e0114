using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>
    /// Checks what reaches TorchSharp's optimizers: the AdamW/Adam/SGD factories of <c>torch.optim</c> (all three
    /// overloads), the constructors of the optimizer classes, <c>X.ParamGroup</c> constructors and initializers, and
    /// <c>add_param_group</c>. Rules WDG001–WDG006 and WDG011.
    /// </summary>
    [DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
    public sealed class OptimizerUsageAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.WDG001,
            DiagnosticDescriptors.WDG002,
            DiagnosticDescriptors.WDG003,
            DiagnosticDescriptors.WDG004,
            DiagnosticDescriptors.WDG005,
            DiagnosticDescriptors.WDG006,
            DiagnosticDescriptors.WDG011);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                if (TorchSharpApi.Create(start.Compilation) is not { } api)
                {
                    return;
                }

                var inspector = new ModelInspector(api, start.Compilation);
                var creationNames = new CreationNames(api, start.Compilation);
                start.RegisterSemanticModelAction(c => AnalyzeTree(c, api, inspector, creationNames));
            });
        }

        /// <summary>
        /// One walk of each tree, with a name filter before anything is bound. Not operation actions: they make the
        /// driver bind every method body (with nullable analysis) once more. Not syntax-node actions either: the
        /// driver's dispatch of every invocation, creation and assignment to a callback cost about 7% of the
        /// compilation's allocations in the synthetic benchmark, where this walk costs next to nothing.
        /// </summary>
        private static void AnalyzeTree(SemanticModelAnalysisContext context, TorchSharpApi api, ModelInspector inspector, CreationNames names)
        {
            var root = context.SemanticModel.SyntaxTree.GetRoot(context.CancellationToken);
            var nodes = context.FilterSpan is { } span ? root.DescendantNodes(span) : root.DescendantNodes();
            foreach (var node in nodes)
            {
                switch (node)
                {
                    case InvocationExpressionSyntax invocation:
                        AnalyzeInvocation(context, invocation, api, inspector);
                        break;
                    case BaseObjectCreationExpressionSyntax creation:
                        AnalyzeCreation(context, creation, api, inspector, names);
                        break;
                    case AssignmentExpressionSyntax assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                        AnalyzeAssignment(context, assignment, api);
                        break;
                }
            }
        }

        private static void AnalyzeInvocation(SemanticModelAnalysisContext context, InvocationExpressionSyntax syntax, TorchSharpApi api, ModelInspector inspector)
        {
            if (InvokedName(syntax.Expression) is not ("AdamW" or "Adam" or "SGD" or "add_param_group")
                || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not IInvocationOperation invocation)
            {
                return;
            }

            var method = invocation.TargetMethod;
            if (method.Name is "AdamW" or "Adam" or "SGD" && SymbolEqualityComparer.Default.Equals(method.ContainingType, api.Optim))
            {
                AnalyzeOptimizer(context, api, inspector, method.Name, invocation.Arguments, invocation);
            }
            else if (method.Name == "add_param_group" && invocation.Arguments.Length == 1 && api.IsOptimizer(method.ContainingType))
            {
                AnalyzeAddParamGroup(context, api, invocation);
            }
        }

        /// <summary>The simple name an invocation calls (<c>AdamW</c> in <c>torch.optim.AdamW(…)</c>); method names cannot be aliased.</summary>
        private static string? InvokedName(ExpressionSyntax expression)
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

        /// <summary>
        /// <c>optimizer.add_param_group(group)</c>: when the optimizer is a local created in view, a group that inherits
        /// its weight decay is checked against it (WDG002), and the group's parameters against its first group (WDG006).
        /// </summary>
        private static void AnalyzeAddParamGroup(SemanticModelAnalysisContext context, TorchSharpApi api, IInvocationOperation invocation)
        {
            if (GroupCreation(invocation.Arguments[0].Value, context) is not { } creation || GroupParameters(creation) is not { } groupParameters)
            {
                return;
            }

            var optimizer = invocation.Instance is { } instance ? ParameterSource.Unwrap(instance) : null;
            if (optimizer is ILocalReferenceOperation local && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, context.CancellationToken) is { } initializer)
            {
                optimizer = ParameterSource.Unwrap(initializer);
            }

            var (name, arguments) = optimizer switch
            {
                IInvocationOperation call when SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, api.Optim) => (call.TargetMethod.Name, call.Arguments),
                IObjectCreationOperation create when api.OptimizerName(create.Type) is { } n => (n, create.Arguments),
                _ => (null, ImmutableArray<IArgumentOperation>.Empty),
            };
            if (name is null || Argument(arguments, "parameters") is not { } parameters || api.IsParamGroup(ElementType(parameters.Parameter?.Type)))
            {
                return;
            }

            var source = ParameterSource.Trace(api, groupParameters, context.CancellationToken);
            var weightDecay = Argument(arguments, "weight_decay");
            if (GroupWeightDecay(creation, context) is null && !IsZero(weightDecay))
            {
                ReportNonDecayElements(context, api, source, name, DescribeValue(weightDecay));
            }

            var first = ParameterSource.Trace(api, parameters.Value, context.CancellationToken);
            var groups = new List<(ParameterSource Source, IOperation Expression, bool Decays, string DecayText)>
            {
                (first, parameters.Value, false, string.Empty),
                (source, groupParameters, false, string.Empty),
            };
            CheckOverlapAndGaps(context, api, groups, complete: false, groupParameters, name);
        }

        private static void AnalyzeCreation(SemanticModelAnalysisContext context, BaseObjectCreationExpressionSyntax syntax, TorchSharpApi api, ModelInspector inspector, CreationNames names)
        {
            // new(): the type comes from the target, so only the arguments can filter. Without arguments no optimizer or
            // group constructor receives parameters or a weight decay of the code's own (initializers are assignments).
            var candidate = syntax switch
            {
                ObjectCreationExpressionSyntax explicitType => names.MayName(explicitType.Type),
                ImplicitObjectCreationExpressionSyntax implicitType => implicitType.ArgumentList.Arguments.Count > 0,
                _ => false,
            };
            if (!candidate || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not IObjectCreationOperation creation)
            {
                return;
            }

            if (creation.Type is INamedTypeSymbol type && api.OptimizerClasses.TryGetValue(type.OriginalDefinition, out var name))
            {
                AnalyzeOptimizer(context, api, inspector, name, creation.Arguments, creation);
            }
            else if (api.IsParamGroup(creation.Type))
            {
                AnalyzeParamGroup(context, api, creation);
            }
        }

        /// <summary><c>group.Parameters = …</c> and <c>new X.ParamGroup { Parameters = … }</c>.</summary>
        private static void AnalyzeAssignment(SemanticModelAnalysisContext context, AssignmentExpressionSyntax syntax, TorchSharpApi api)
        {
            if (InvokedName(syntax.Left) != "Parameters"
                || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not ISimpleAssignmentOperation assignment)
            {
                return;
            }

            if (assignment.Target is IPropertyReferenceOperation { Property.Name: "Parameters" } property && api.IsParamGroup(property.Property.ContainingType))
            {
                var owner = api.OptimizerName(property.Instance?.Type) is { } optimizer ? optimizer + ".ParamGroup" : "ParamGroup";
                CheckOrderAndLaziness(context, api, assignment.Value, owner, isOptimizer: false, out _);
            }
        }

        private static void AnalyzeOptimizer(SemanticModelAnalysisContext context, TorchSharpApi api, ModelInspector inspector, string name, ImmutableArray<IArgumentOperation> arguments, IOperation call)
        {
            var parameters = Argument(arguments, "parameters");
            if (parameters is null)
            {
                return;
            }

            var weightDecay = Argument(arguments, "weight_decay");
            var decays = !IsZero(weightDecay);
            var decayText = DescribeValue(weightDecay);
            var elementType = ElementType(parameters.Parameter?.Type);

            if (name is "Adam" or "SGD" && decays && weightDecay is { ArgumentKind: ArgumentKind.Explicit })
            {
                var props = ImmutableDictionary<string, string?>.Empty;
                var hint = name == "Adam" ? "; use AdamW for decoupled weight decay" : "; prefer AdamW for decoupled weight decay, or keep SGD's L2 deliberately";
                if (name == "Adam" && !api.IsParamGroup(elementType))
                {
                    props = props.Add(DiagnosticProperties.CanUseAdamW, "true");
                }

                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG005, weightDecay.Value.Syntax.GetLocation(), props, decayText, name, hint));
            }

            var groups = new List<(ParameterSource Source, IOperation Expression, bool Decays, string DecayText)>();
            var complete = true;
            if (api.IsParamGroup(elementType))
            {
                foreach (var group in GroupExpressions(parameters.Value, context, ref complete))
                {
                    if (GroupCreation(group, context) is not { } creation || GroupParameters(creation) is not { } groupParameters)
                    {
                        complete = false;
                        continue;
                    }

                    var own = GroupWeightDecay(creation, context);
                    var source = ParameterSource.Trace(api, groupParameters, context.CancellationToken);
                    var groupDecays = own is null ? decays : !IsZeroValue(own);
                    var groupDecayText = own is null ? decayText : DescribeValue(own);
                    groups.Add((source, groupParameters, groupDecays, groupDecayText));
                    if (own is null && decays)
                    {
                        ReportNonDecayElements(context, api, source, name, groupDecayText);
                    }
                }
            }
            else
            {
                if (!CheckOrderAndLaziness(context, api, parameters.Value, name, isOptimizer: true, out var source))
                {
                    return;
                }

                groups.Add((source, parameters.Value, decays, decayText));
                var modelType = source.ModelReceiver?.Type;
                var canUseGroups = source.ModelReceiver is not null && InScope(source.ModelReceiver, call) && modelType is not null
                    && (ModelFacts.IsDecayGroupsModel(modelType) || modelType.DeclaringSyntaxReferences.Length > 0);
                var props = FixProperties(source, call, elementType, api, canUseGroups);
                if (source.IsWholeModel && modelType is not null)
                {
                    if (decays && inspector.HasNonDecayParameters(modelType))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.WDG002,
                            parameters.Value.Syntax.GetLocation(),
                            props,
                            "'" + parameters.Value.Syntax + "'",
                            "puts the biases, normalization parameters or embeddings of " + modelType.Name + " into " + name + "'s group with weight_decay " + decayText));
                    }

                    if (inspector.FindTie(modelType, context.CancellationToken) is { } tie)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG011, parameters.Value.Syntax.GetLocation(), props, parameters.Value.Syntax.ToString(), tie, name));
                    }
                }

                if (decays)
                {
                    ReportNonDecayElements(context, api, source, name, decayText);
                }
            }

            CheckOverlapAndGaps(context, api, groups, complete && !GetsMoreGroups(call), parameters.Value, name);
        }

        /// <summary>Whether the optimizer is stored in a local that later receives <c>add_param_group</c> calls.</summary>
        private static bool GetsMoreGroups(IOperation call)
        {
            var parent = call.Parent;
            while (parent is IConversionOperation)
            {
                parent = parent.Parent;
            }

            if (parent is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
            {
                return false;
            }

            var body = call.Syntax.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax);
            return body is not null && body.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
                i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "add_param_group", Expression: IdentifierNameSyntax target }
                && target.Identifier.ValueText == declarator.Symbol.Name);
        }

        private static void AnalyzeParamGroup(SemanticModelAnalysisContext context, TorchSharpApi api, IObjectCreationOperation creation)
        {
            var optimizer = api.OptimizerName(creation.Type) ?? "ParamGroup";
            var owner = optimizer + ".ParamGroup";
            var constructor = creation.Constructor;
            if (constructor is null)
            {
                return;
            }

            if (Argument(creation.Arguments, "parameters") is { } parameters)
            {
                CheckOrderAndLaziness(context, api, parameters.Value, owner, isOptimizer: false, out var source);
                if (GroupWeightDecay(creation, context) is { } own && !IsZeroValue(own))
                {
                    ReportNonDecayElements(context, api, source, owner, DescribeValue(own));
                }
            }

            if (constructor.Parameters.Any(p => p.Name == "lr") && api.OptimizerName(creation.Type) is { } optimizerName)
            {
                var lr = Argument(creation.Arguments, "lr");
                var sets = lr is null || lr.ArgumentKind != ArgumentKind.Explicit ? "lr = 1e-3 unless given" : "lr = " + lr.Value.Syntax;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG004,
                    creation.Syntax.GetLocation(),
                    Shorten(creation.Syntax.ToString()),
                    optimizerName,
                    sets));
            }
        }

        /// <summary>WDG001 and WDG003 on one parameters expression; false when nothing more should be said about it.</summary>
        private static bool CheckOrderAndLaziness(SemanticModelAnalysisContext context, TorchSharpApi api, IOperation expression, string target, bool isOptimizer, out ParameterSource source)
        {
            source = ParameterSource.Trace(api, expression, context.CancellationToken);
            if (source.Unordered is not null)
            {
                var props = ImmutableDictionary<string, string?>.Empty;
                if (source.ModelReceiver is { } model && InScope(model, expression) && source.UnorderedRoot is { } root && InScope(root, expression))
                {
                    props = props
                        .Add(DiagnosticProperties.Model, model.Syntax.ToString())
                        .Add(DiagnosticProperties.ModelMethod, IsNamed(ElementType(expression.Type)) ? "named_parameters" : "parameters")
                        .Add(DiagnosticProperties.UnorderedSource, root.Syntax.ToString());
                }

                if (isOptimizer && source.ModelReceiver is { Type: { } modelType } receiver && InScope(receiver, expression) && ModelFacts.IsDecayGroupsModel(modelType))
                {
                    props = props.Add(DiagnosticProperties.CanUseGeneratedGroups, "true");
                }

                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG001, expression.Syntax.GetLocation(), props, Shorten(expression.Syntax.ToString()), source.Unordered, target));
                return false;
            }

            if (source.Lazy)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG003, expression.Syntax.GetLocation(), Shorten(expression.Syntax.ToString()), target));
            }

            return true;
        }

        private static ImmutableDictionary<string, string?> FixProperties(ParameterSource source, IOperation call, ITypeSymbol? elementType, TorchSharpApi api, bool canUseGroups)
        {
            var props = ImmutableDictionary<string, string?>.Empty;
            if (canUseGroups && source.ModelReceiver is { } model && !api.IsParamGroup(elementType))
            {
                props = props.Add(DiagnosticProperties.CanUseGeneratedGroups, "true").Add(DiagnosticProperties.Model, model.Syntax.ToString());
            }

            return props;
        }

        /// <summary>WDG002 for listed elements that are biases, normalization parameters or embeddings.</summary>
        private static void ReportNonDecayElements(SemanticModelAnalysisContext context, TorchSharpApi api, ParameterSource source, string target, string decayText)
        {
            foreach (var element in source.Elements)
            {
                if (RoleOf(element, api) is { } role && role.Role is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.WDG002,
                        element.Syntax.GetLocation(),
                        "'" + element.Syntax + "' (" + role.Why + ")",
                        "is in a group of " + target + " with weight_decay " + decayText));
                }
            }
        }

        /// <summary>The role of <c>x.bias</c>, <c>norm.weight</c>, <c>emb.weight</c>, from the shared layer table or <c>[LayerRole]</c>.</summary>
        internal static (ParameterRole Role, string Why)? RoleOf(IOperation element, TorchSharpApi api)
        {
            var (instance, member) = element switch
            {
                IPropertyReferenceOperation property => (property.Instance, (ISymbol)property.Property),
                IFieldReferenceOperation field => (field.Instance, field.Field),
                _ => (null, null),
            };
            if (instance?.Type is not { } type || member is null || !api.IsParameter(element.Type))
            {
                return null;
            }

            if (ModelInspector.Layer(type) is { Kind: TorchSharpModuleKind.Layer } layer && layer.Parameters.Any(p => p.Name == member.Name))
            {
                var role = layer.RoleOf(member.Name);
                return (role, layer.Name + "." + member.Name + " is " + TorchSharpLayers.DescribeRole(role));
            }

            if (ModelInspector.LayerRole(type) is { } forced)
            {
                return (forced, type.Name + " has [LayerRole(" + forced + ")]");
            }

            return null;
        }

        /// <summary>WDG006: a parameter in two groups, or a listed layer whose other parameters are in none.</summary>
        private static void CheckOverlapAndGaps(SemanticModelAnalysisContext context, TorchSharpApi api, List<(ParameterSource Source, IOperation Expression, bool Decays, string DecayText)> groups, bool complete, IOperation parameters, string optimizer)
        {
            var seen = new Dictionary<string, int>();
            for (var i = 0; i < groups.Count; i++)
            {
                foreach (var element in groups[i].Source.Elements)
                {
                    if (ParameterSource.Path(element) is not { } path)
                    {
                        continue;
                    }

                    if (seen.TryGetValue(path, out var first) && first != i)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.WDG006,
                            element.Syntax.GetLocation(),
                            "'" + element.Syntax + "' is in two groups of " + optimizer + " (groups " + (first + 1) + " and " + (i + 1) + "): it is updated twice per step; keep each parameter in exactly one group"));
                    }
                    else if (!seen.ContainsKey(path))
                    {
                        seen[path] = i;
                    }

                    for (var j = 0; j < groups.Count; j++)
                    {
                        if (j != i && groups[j].Source.IsWholeModel && ParameterSource.Path(groups[j].Source.ModelReceiver) is { } model
                            && (path.StartsWith(model + ".", System.StringComparison.Ordinal) || (model == "this" && !path.Contains("."))) && j < i)
                        {
                            context.ReportDiagnostic(Diagnostic.Create(
                                DiagnosticDescriptors.WDG006,
                                element.Syntax.GetLocation(),
                                "'" + element.Syntax + "' is in two groups of " + optimizer + ": group " + (j + 1) + " already holds every parameter of '" + groups[j].Source.ModelReceiver!.Syntax + "'; keep each parameter in exactly one group"));
                        }
                    }
                }
            }

            if (!complete || groups.Count == 0 || groups.Any(g => !g.Source.ElementsOnly))
            {
                return;
            }

            // Layers whose parameters are listed one by one: each listed layer's other parameters must be somewhere.
            var reported = new HashSet<string>();
            foreach (var group in groups)
            {
                foreach (var element in group.Source.Elements)
                {
                    if (element is not IPropertyReferenceOperation { Instance: { } instance } property
                        || ModelInspector.Layer(instance.Type) is not { Kind: TorchSharpModuleKind.Layer } layer
                        || layer.Parameters.Count > 2
                        || ParameterSource.Path(instance) is not { } owner)
                    {
                        continue;
                    }

                    foreach (var (name, _) in layer.Parameters)
                    {
                        var path = owner == "this" ? name : owner + "." + name;
                        if (name != property.Property.Name && !seen.ContainsKey(path) && reported.Add(path))
                        {
                            context.ReportDiagnostic(Diagnostic.Create(
                                DiagnosticDescriptors.WDG006,
                                parameters.Syntax.GetLocation(),
                                "The groups of " + optimizer + " list '" + instance.Syntax + "." + property.Property.Name + "' but leave '" + instance.Syntax + "." + name + "' out: it will not be trained; add it to a group (the no-decay group for a bias) or use model.GetDecayGroups()"));
                        }
                    }
                }
            }
        }

        /// <summary>The group expressions of an <c>IEnumerable&lt;X.ParamGroup&gt;</c> argument.</summary>
        private static IEnumerable<IOperation> GroupExpressions(IOperation list, SemanticModelAnalysisContext context, ref bool complete)
        {
            var result = new List<IOperation>();
            list = ParameterSource.Unwrap(list);
            if (list is ILocalReferenceOperation local && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, context.CancellationToken) is { } initializer)
            {
                list = ParameterSource.Unwrap(initializer);
            }

            switch (list)
            {
                case IArrayCreationOperation { Initializer: { } arrayInitializer }:
                    result.AddRange(arrayInitializer.ElementValues);
                    break;
                case { Syntax: CollectionExpressionSyntax } collection:
                    foreach (var (element, isSpread) in ParameterSource.CollectionElements(collection, context.CancellationToken))
                    {
                        if (isSpread)
                        {
                            complete = false;
                        }
                        else
                        {
                            result.Add(element);
                        }
                    }

                    break;
                case IObjectCreationOperation { Initializer: { } objectInitializer, Arguments.Length: 0 }:
                    foreach (var element in objectInitializer.Initializers)
                    {
                        if (element is IInvocationOperation { Arguments.Length: 1 } add)
                        {
                            result.Add(add.Arguments[0].Value);
                        }
                        else
                        {
                            complete = false;
                        }
                    }

                    break;
                default:
                    complete = false;
                    break;
            }

            return result;
        }

        private static IObjectCreationOperation? GroupCreation(IOperation group, SemanticModelAnalysisContext context)
        {
            group = ParameterSource.Unwrap(group);
            if (group is ILocalReferenceOperation local && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, context.CancellationToken) is { } initializer)
            {
                group = ParameterSource.Unwrap(initializer);
            }

            return group as IObjectCreationOperation;
        }

        private static IOperation? GroupParameters(IObjectCreationOperation creation)
        {
            if (Argument(creation.Arguments, "parameters") is { } argument)
            {
                return argument.Value;
            }

            return InitializerValue(creation, "Parameters");
        }

        /// <summary>The group's own weight decay: null when it inherits the optimizer's.</summary>
        private static IOperation? GroupWeightDecay(IObjectCreationOperation creation, SemanticModelAnalysisContext context)
        {
            if (creation.Constructor?.Parameters.Any(p => p.Name == "lr") == true)
            {
                return Argument(creation.Arguments, "weight_decay")?.Value;
            }

            var options = Argument(creation.Arguments, "options")?.Value ?? InitializerValue(creation, "Options");
            if (options is null)
            {
                return null;
            }

            options = ParameterSource.Unwrap(options);
            if (options is ILocalReferenceOperation local && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, context.CancellationToken) is { } initializer)
            {
                options = ParameterSource.Unwrap(initializer);
            }

            return options is IObjectCreationOperation optionsCreation ? InitializerValue(optionsCreation, "weight_decay") : null;
        }

        private static IOperation? InitializerValue(IObjectCreationOperation creation, string member)
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

        internal static IArgumentOperation? Argument(ImmutableArray<IArgumentOperation> arguments, string name)
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

        private static bool IsZero(IArgumentOperation? argument)
            => argument is null || IsZeroValue(argument.Value);

        private static bool IsZeroValue(IOperation value)
        {
            var constant = ParameterSource.Unwrap(value).ConstantValue;
            if (!constant.HasValue)
            {
                constant = value.ConstantValue;
            }

            return constant.HasValue && constant.Value is not null && System.Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture) == 0.0;
        }

        private static string DescribeValue(IArgumentOperation? argument)
            => argument is null ? "0" : argument.ArgumentKind == ArgumentKind.Explicit ? argument.Value.Syntax.ToString() : DescribeValue(argument.Value);

        private static string DescribeValue(IOperation value)
            => value.ConstantValue is { HasValue: true, Value: { } constant } && value.IsImplicit
                ? System.Convert.ToString(constant, CultureInfo.InvariantCulture) ?? "?"
                : value.Syntax.ToString();

        /// <summary>T of <c>IEnumerable&lt;T&gt;</c> (or of a type implementing it).</summary>
        internal static ITypeSymbol? ElementType(ITypeSymbol? type)
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

        private static bool IsNamed(ITypeSymbol? element)
            => element is INamedTypeSymbol { IsTupleType: true };

        /// <summary>Whether an expression found while tracing can be written at <paramref name="site"/> (same member body).</summary>
        private static bool InScope(IOperation operation, IOperation site)
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

        private static SyntaxNode? EnclosingMember(SyntaxNode node)
            => node.FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax);

        private static SyntaxNode? EnclosingType(SyntaxNode node)
            => node.FirstAncestorOrSelf<TypeDeclarationSyntax>();

        private static string Shorten(string text)
        {
            text = string.Join(" ", text.Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
            return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
        }

        /// <summary>
        /// Which written type names in <c>new T(…)</c> may denote an optimizer class or a ParamGroup: the TorchSharp names,
        /// plus (computed once, on first need) the names of ParamGroup subclasses declared in source or in libraries built on
        /// TorchSharp, and of using aliases to any of those, so a creation can be rejected without binding its method.
        /// </summary>
        private sealed class CreationNames
        {
            private static readonly string[] TorchSharpNames = { "AdamW", "Adam", "SGD", "ParamGroup" };

            private readonly TorchSharpApi api;
            private readonly Compilation compilation;
            private readonly System.Lazy<HashSet<string>> others;

            public CreationNames(TorchSharpApi api, Compilation compilation)
            {
                this.api = api;
                this.compilation = compilation;
                others = new System.Lazy<HashSet<string>>(Collect, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
            }

            public bool MayName(TypeSyntax type)
            {
                var name = RightmostName(type);
                return name is not null && (System.Array.IndexOf(TorchSharpNames, name) >= 0 || others.Value.Contains(name));
            }

            private static string? RightmostName(TypeSyntax type)
                => type switch
                {
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                    AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                    _ => null,
                };

            private HashSet<string> Collect()
            {
                var names = new HashSet<string>(System.StringComparer.Ordinal);
                AddSubclasses(compilation.Assembly.GlobalNamespace, names);
                var torchSharp = api.Module.ContainingAssembly;
                foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
                {
                    if (!SymbolEqualityComparer.Default.Equals(assembly, torchSharp)
                        && assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == torchSharp.Identity.Name)))
                    {
                        AddSubclasses(assembly.GlobalNamespace, names);
                    }
                }

                // Aliases (using G = TorchSharp.Modules.AdamW.ParamGroup;), in any file since global ones reach every file.
                foreach (var tree in compilation.SyntaxTrees)
                {
                    if (tree.GetRoot() is CompilationUnitSyntax unit)
                    {
                        AddAliases(unit.Usings, unit.Members, names);
                    }
                }

                return names;
            }

            private void AddSubclasses(INamespaceOrTypeSymbol container, HashSet<string> names)
            {
                foreach (var member in container.GetMembers())
                {
                    if (member is INamespaceSymbol ns)
                    {
                        AddSubclasses(ns, names);
                    }
                    else if (member is INamedTypeSymbol type)
                    {
                        if (type.TypeKind == TypeKind.Class && api.IsParamGroup(type))
                        {
                            names.Add(type.Name);
                        }

                        AddSubclasses(type, names);
                    }
                }
            }

            private static void AddAliases(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, HashSet<string> names)
            {
                foreach (var directive in usings)
                {
                    if (directive.Alias is { } alias)
                    {
                        // Over-including is harmless (one more creation bound), so every alias counts.
                        names.Add(alias.Name.Identifier.ValueText);
                    }
                }

                foreach (var member in members)
                {
                    if (member is BaseNamespaceDeclarationSyntax ns)
                    {
                        AddAliases(ns.Usings, ns.Members, names);
                    }
                }
            }
        }
    }
}
