using Microsoft.CodeAnalysis;

namespace WdGen.Analyzers
{
    /// <summary>Every WDG rule in one place: ID, title, message, category, default severity and help link.</summary>
    internal static class DiagnosticDescriptors
    {
        /// <summary>Each rule's page is <c>HelpLinkBase + ID + ".md"</c>.</summary>
        public const string HelpLinkBase = "https://github.com/wdgen/wdgen/blob/main/docs/diagnostics/";

        private const string Ordering = "WdGen.Ordering";
        private const string WeightDecay = "WdGen.WeightDecay";
        private const string Usage = "WdGen.Usage";
        private const string Registration = "WdGen.Registration";

        public static readonly DiagnosticDescriptor WDG001 = Create(
            DiagnosticIds.UnorderedParameters,
            "Unordered collection handed to an optimizer",
            "'{0}' hands {1} to {2}: its order is not stable between runs and TorchSharp's optimizer state is positional; keep the model's own order (e.g. model.parameters().Where(set.Contains).ToArray()) or use the generated groups",
            Ordering,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG002 = Create(
            DiagnosticIds.NonDecayParameterDecays,
            "Bias, normalization or embedding parameter gets weight decay",
            "{0} {1}; biases, normalization parameters and embeddings should not decay: use model.GetDecayGroups().ToAdamW(lr, weightDecay) (add [DecayGroups] and partial to the model)",
            WeightDecay,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG003 = Create(
            DiagnosticIds.LazyParameterQuery,
            "Lazy query handed to an optimizer as its parameters",
            "'{0}' is a lazy query handed to {1}: TorchSharp re-runs it on every step() and zero_grad(), so the group can change mid-training and the walk is paid every step; materialize it with .ToArray()",
            Usage,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG004 = Create(
            DiagnosticIds.ConvenienceParamGroup,
            "ParamGroup convenience constructor overrides the optimizer's learning rate",
            "'{0}' uses the convenience constructor of {1}.ParamGroup: it sets every option ({2}) instead of inheriting the optimizer's; use new {1}.ParamGroup(parameters, new {1}.Options {{ ... }}), which inherits unset values",
            Usage,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG005 = Create(
            DiagnosticIds.CoupledWeightDecay,
            "Weight decay of Adam, SGD and other coupled optimizers is an L2 penalty",
            "weight_decay '{0}' on {1} is an L2 penalty added to the gradient (coupled to the adaptive step), not decoupled weight decay{2}",
            WeightDecay,
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor WDG006 = Create(
            DiagnosticIds.GroupOverlapOrGap,
            "Parameter groups overlap or leave parameters out",
            "{0}",
            WeightDecay,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG007 = Create(
            DiagnosticIds.AttributeMisuse,
            "WdGen attribute misuse",
            "{0}",
            Usage,
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor WDG008 = Create(
            DiagnosticIds.ModuleInAutoProperty,
            "Module or Parameter held in an auto-property",
            "'{0}' holds a {1} in an auto-property: TorchSharp registers it as '<{0}>k__BackingField', so parameter names and saved state dicts are wrong; declare a field instead",
            Registration,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG009 = Create(
            DiagnosticIds.FieldsSplitAcrossFiles,
            "Parameter-bearing fields split across partial declarations",
            "The parameter-bearing fields of '{0}' are declared in {1} files ({2}): TorchSharp's registration order then depends on the order of the files; keep them in one declaration",
            Registration,
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor WDG010 = Create(
            DiagnosticIds.ImplicitNoDecay,
            "Parameter does not decay by default; say so explicitly",
            "{0} has no WdGen attribute or [LayerRole]: it will not decay by default; {1}",
            WeightDecay,
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor WDG011 = Create(
            DiagnosticIds.TiedParameterTwice,
            "Tied parameter is updated twice",
            "'{0}' lists the tied parameter ({1}) under two names, so {2} updates it twice per step with two moment states; use model.GetDecayGroups(), which keeps one entry per tensor",
            WeightDecay,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG012 = Create(
            DiagnosticIds.DefaultWeightDecay,
            "Optimizer built without weight_decay, whose default differs from PyTorch's",
            "{0} is built without {1}: TorchSharp's default is {2} and PyTorch's {3}, so code ported from PyTorch trains without weight decay; pass {1} explicitly ({3} as in PyTorch, or {2} to say there is none){4}",
            WeightDecay,
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor WDG013 = Create(
            DiagnosticIds.OptimizerBeforeModelMove,
            "Optimizer built before its model is moved or cast",
            "'{0}' holds the parameters of '{1}', which '{2}' (line {3}) then moves or casts: TorchSharp replaces the Parameter objects it moves, so the optimizer is left with stale ones and fails at its first step; move or cast the model first, then build the optimizer",
            Usage,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor WDG014 = Create(
            DiagnosticIds.TiedGradientClipping,
            "Gradient clipping counts a tied parameter twice",
            "'{0}' lists the tied parameter ({1}) under two names, so clip_grad_norm_ counts its gradient twice in the total norm (and scales it twice when it clips); clip over each tensor once: {2}.GetDecayGroups().ClipGradNorm(maxNorm)",
            Usage,
            DiagnosticSeverity.Warning);

        private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity)
            => new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
