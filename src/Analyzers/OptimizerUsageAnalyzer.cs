using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using WdGen.Analyzers.Rules;

namespace WdGen.Analyzers
{
    /// <summary>
    /// Checks what reaches TorchSharp's optimizers (those of the optimizer table, <see cref="TorchSharpOptimizers"/>):
    /// their factories in <c>torch.optim</c> (all three overloads) and constructors, <c>X.ParamGroup</c> constructors
    /// and initializers, <c>add_param_group</c>, WdGen's <c>groups.ToAdamW(…)</c>, and
    /// <c>torch.nn.utils.clip_grad_norm_</c>. This class is the walk: it finds those calls and hands what it found to
    /// the rules (Rules/: WDG001–WDG006 and WDG011–WDG014, one class each).
    /// </summary>
    [DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
    public sealed class OptimizerUsageAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>The names of the invocations the walk binds: every other invocation is passed over unbound.</summary>
        private static readonly HashSet<string> InvokedNames = new HashSet<string>(
            TorchSharpOptimizers.All.Select(o => o.Name)
                .Concat(TorchSharpOptimizers.All.SelectMany(o => new[] { o.GroupsExtension, o.FusedGroupsExtension }).OfType<string>())
                .Concat(new[] { TorchSharpOptimizers.AddParamGroup, TorchSharpLayers.ClipGradNorm }),
            System.StringComparer.Ordinal);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.WDG001,
            DiagnosticDescriptors.WDG002,
            DiagnosticDescriptors.WDG003,
            DiagnosticDescriptors.WDG004,
            DiagnosticDescriptors.WDG005,
            DiagnosticDescriptors.WDG006,
            DiagnosticDescriptors.WDG011,
            DiagnosticDescriptors.WDG012,
            DiagnosticDescriptors.WDG013,
            DiagnosticDescriptors.WDG014);

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
            if (Operations.InvokedName(syntax.Expression) is not { } name || !InvokedNames.Contains(name)
                || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not IInvocationOperation invocation)
            {
                return;
            }

            var method = invocation.TargetMethod;
            if (OptimizerConstruction.Of(invocation, api) is { } optimizer)
            {
                AnalyzeOptimizer(context, api, inspector, optimizer);
            }
            else if (method.Name == TorchSharpOptimizers.AddParamGroup && invocation.Arguments.Length == 1 && api.IsOptimizer(method.ContainingType))
            {
                AnalyzeAddParamGroup(context, api, inspector, invocation);
            }
            else if (api.IsClipGradNorm(method))
            {
                TiedGradientClippingRule.Check(context, api, inspector, invocation);
            }
            else if (TorchSharpOptimizers.FindByGroupsExtension(method.Name) is not null && api.IsDecayGroupsExtension(method))
            {
                AnalyzeGroupsOptimizer(context, api, invocation);
            }
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

            if (OptimizerConstruction.Of(creation, api) is { } optimizer)
            {
                AnalyzeOptimizer(context, api, inspector, optimizer);
            }
            else if (api.IsParamGroup(creation.Type))
            {
                AnalyzeParamGroup(context, api, creation);
            }
        }

        /// <summary><c>group.Parameters = …</c> and <c>new X.ParamGroup { Parameters = … }</c>.</summary>
        private static void AnalyzeAssignment(SemanticModelAnalysisContext context, AssignmentExpressionSyntax syntax, TorchSharpApi api)
        {
            if (Operations.InvokedName(syntax.Left) != TorchSharpOptimizers.GroupParameters
                || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not ISimpleAssignmentOperation assignment)
            {
                return;
            }

            if (assignment.Target is IPropertyReferenceOperation { Property.Name: TorchSharpOptimizers.GroupParameters } property && api.IsParamGroup(property.Property.ContainingType))
            {
                var source = ParameterSource.Trace(api, assignment.Value, context.CancellationToken);
                var target = GroupName(api.OptimizerOf(property.Instance?.Type));
                if (!UnorderedCollectionRule.Check(context, source, assignment.Value, target, optimizer: null))
                {
                    LazyQueryRule.Check(context, source, assignment.Value, target);
                }
            }
        }

        /// <summary>A ParamGroup creation, on its own: its parameters (WDG001, WDG003, WDG002 under its own decay) and its constructor (WDG004).</summary>
        private static void AnalyzeParamGroup(SemanticModelAnalysisContext context, TorchSharpApi api, IObjectCreationOperation creation)
        {
            if (creation.Constructor is null)
            {
                return;
            }

            var target = GroupName(api.OptimizerOf(creation.Type));
            if (Operations.ParametersArgument(creation.Arguments) is { } parameters)
            {
                var source = ParameterSource.Trace(api, parameters.Value, context.CancellationToken);
                if (!UnorderedCollectionRule.Check(context, source, parameters.Value, target, optimizer: null))
                {
                    LazyQueryRule.Check(context, source, parameters.Value, target);
                }

                if (ParamGroups.OwnWeightDecay(creation, context.CancellationToken) is { } own && !Operations.IsZeroValue(own))
                {
                    NonDecayParameterRule.CheckListed(context, api, source, target, Operations.DescribeValue(own));
                }
            }

            ConvenienceParamGroupRule.Check(context, api, creation);
        }

        /// <summary>An optimizer of the table built from parameters, ParamGroups or (name, parameter) pairs.</summary>
        private static void AnalyzeOptimizer(SemanticModelAnalysisContext context, TorchSharpApi api, ModelInspector inspector, OptimizerConstruction optimizer)
        {
            var name = optimizer.Optimizer.Name;
            var parameters = optimizer.Parameters.Value;
            CoupledWeightDecayRule.Check(context, optimizer);

            var groups = new List<ParameterGroup>();
            var complete = true;
            if (optimizer.TakesGroups)
            {
                foreach (var group in ParamGroups.Expressions(parameters, context.CancellationToken, ref complete))
                {
                    if (ParamGroups.Creation(group, context.CancellationToken) is not { } creation || ParamGroups.Parameters(creation) is not { } groupParameters)
                    {
                        complete = false;
                        continue;
                    }

                    var own = ParamGroups.OwnWeightDecay(creation, context.CancellationToken);
                    var source = ParameterSource.Trace(api, groupParameters, context.CancellationToken);
                    var decays = own is null ? optimizer.Decays : !Operations.IsZeroValue(own);
                    var decayText = own is null ? optimizer.DecayText : Operations.DescribeValue(own);
                    groups.Add(new ParameterGroup(source, groupParameters, own, decays, decayText));
                    if (own is null && optimizer.Decays)
                    {
                        NonDecayParameterRule.CheckListed(context, api, source, name, decayText);
                    }
                }

                MissingWeightDecayRule.Check(context, optimizer, groups, complete);
                CheckMoves(context, api, optimizer, groups);
            }
            else
            {
                var source = ParameterSource.Trace(api, parameters, context.CancellationToken);
                var group = new ParameterGroup(source, parameters, null, optimizer.Decays, optimizer.DecayText);
                groups.Add(group);
                MissingWeightDecayRule.Check(context, optimizer, groups, complete);
                CheckMoves(context, api, optimizer, groups);
                if (UnorderedCollectionRule.Check(context, source, parameters, name, optimizer.Optimizer))
                {
                    return;
                }

                LazyQueryRule.Check(context, source, parameters, name);
                var props = FixProperties(source, optimizer);
                NonDecayParameterRule.CheckWholeModel(context, inspector, optimizer, source, props);
                TiedParameterRule.Check(context, inspector, optimizer, source, props);
                if (optimizer.Decays)
                {
                    NonDecayParameterRule.CheckListed(context, api, source, name, optimizer.DecayText);
                }
            }

            GroupOverlapRule.Check(context, inspector, groups, complete && !GetsMoreGroups(optimizer.Call), parameters, name);
        }

        /// <summary>WDG013 for each model whose parameters the optimizer's groups hold.</summary>
        private static void CheckMoves(SemanticModelAnalysisContext context, TorchSharpApi api, OptimizerConstruction optimizer, List<ParameterGroup> groups)
        {
            foreach (var group in groups)
            {
                if (group.Source.ModelReceiver is { } model)
                {
                    var capturedAt = OptimizerBeforeMoveRule.CapturedAt(group.Expression, optimizer.Call, context.CancellationToken);
                    OptimizerBeforeMoveRule.Check(context, api, optimizer.Call, model, capturedAt);
                }
            }
        }

        /// <summary>
        /// <c>model.GetDecayGroups().ToAdamW(…)</c> (or a fused one), directly or through a local holding the groups: WDG013
        /// when the model is moved after its groups were read.
        /// </summary>
        private static void AnalyzeGroupsOptimizer(SemanticModelAnalysisContext context, TorchSharpApi api, IInvocationOperation invocation)
        {
            if (Operations.Receiver(invocation) is { } groups
                && Operations.ThroughLocal(groups, context.CancellationToken) is IInvocationOperation { TargetMethod.Name: TorchSharpOptimizers.GetDecayGroups } getDecayGroups
                && Operations.Receiver(getDecayGroups) is { } model)
            {
                var capturedAt = OptimizerBeforeMoveRule.CapturedAt(groups, invocation, context.CancellationToken);
                OptimizerBeforeMoveRule.Check(context, api, invocation, model, capturedAt);
            }
        }

        /// <summary>
        /// <c>optimizer.add_param_group(group)</c>: when the optimizer is a local created in view, a group that inherits
        /// its weight decay is checked against it (WDG002), and the group's parameters against its first group (WDG006).
        /// </summary>
        private static void AnalyzeAddParamGroup(SemanticModelAnalysisContext context, TorchSharpApi api, ModelInspector inspector, IInvocationOperation invocation)
        {
            if (ParamGroups.Creation(invocation.Arguments[0].Value, context.CancellationToken) is not { } creation
                || ParamGroups.Parameters(creation) is not { } groupParameters
                || invocation.Instance is not { } instance
                || OptimizerConstruction.Of(Operations.ThroughLocal(instance, context.CancellationToken), api) is not { TakesGroups: false } optimizer)
            {
                return;
            }

            var source = ParameterSource.Trace(api, groupParameters, context.CancellationToken);
            if (ParamGroups.OwnWeightDecay(creation, context.CancellationToken) is null && optimizer.Decays)
            {
                NonDecayParameterRule.CheckListed(context, api, source, optimizer.Optimizer.Name, optimizer.DecayText);
            }

            var parameters = optimizer.Parameters.Value;
            var groups = new[]
            {
                new ParameterGroup(ParameterSource.Trace(api, parameters, context.CancellationToken), parameters, null, false, string.Empty),
                new ParameterGroup(source, groupParameters, null, false, string.Empty),
            };
            GroupOverlapRule.Check(context, inspector, groups, complete: false, groupParameters, optimizer.Optimizer.Name);
        }

        /// <summary>What the generated-groups fix needs: the model, when the optimizer can be rebuilt from its groups.</summary>
        private static ImmutableDictionary<string, string?> FixProperties(ParameterSource source, OptimizerConstruction optimizer)
        {
            var props = ImmutableDictionary<string, string?>.Empty;
            var model = source.ModelReceiver;
            if (optimizer.Optimizer.GroupsExtension is not null && model?.Type is { } modelType && Operations.InScope(model, optimizer.Call)
                && (ModelFacts.IsDecayGroupsModel(modelType) || modelType.DeclaringSyntaxReferences.Length > 0))
            {
                props = props.Add(DiagnosticProperties.CanUseGeneratedGroups, "true").Add(DiagnosticProperties.Model, model.Syntax.ToString());
            }

            return props;
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
                i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: TorchSharpOptimizers.AddParamGroup, Expression: IdentifierNameSyntax target }
                && target.Identifier.ValueText == declarator.Symbol.Name);
        }

        /// <summary>"AdamW.ParamGroup", or "ParamGroup" for a group of no optimizer of the table.</summary>
        private static string GroupName(TorchSharpOptimizer? optimizer)
            => (optimizer is null ? string.Empty : optimizer.Name + ".") + TorchSharpOptimizers.ParamGroupTypeName;
    }
}
