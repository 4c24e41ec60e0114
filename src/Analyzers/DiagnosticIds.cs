// Diagnostic IDs and the property keys analyzers hand to code fixes. Linked into WdGen.CodeFixes, which must not
// reference WdGen.Analyzers (see its project file), so the two assemblies agree on these strings.

namespace WdGen.Analyzers
{
    internal static class DiagnosticIds
    {
        public const string UnorderedParameters = "WDG001";
        public const string NonDecayParameterDecays = "WDG002";
        public const string LazyParameterQuery = "WDG003";
        public const string ConvenienceParamGroup = "WDG004";
        public const string CoupledWeightDecay = "WDG005";
        public const string GroupOverlapOrGap = "WDG006";
        public const string AttributeMisuse = "WDG007";
        public const string ModuleInAutoProperty = "WDG008";
        public const string FieldsSplitAcrossFiles = "WDG009";
        public const string ImplicitNoDecay = "WDG010";
        public const string TiedParameterTwice = "WDG011";
        public const string DefaultWeightDecay = "WDG012";
        public const string OptimizerBeforeModelMove = "WDG013";
        public const string TiedGradientClipping = "WDG014";
    }

    /// <summary>Keys of <c>Diagnostic.Properties</c> that tell a code fix what the analyzer found.</summary>
    internal static class DiagnosticProperties
    {
        /// <summary>Source text of the model whose own order (or generated groups) a fix can use.</summary>
        public const string Model = "Model";

        /// <summary>"parameters" or "named_parameters": which of the model's enumerations matches the argument's element type.</summary>
        public const string ModelMethod = "ModelMethod";

        /// <summary>Source text of the unordered collection a WDG001 fix filters the model's order with.</summary>
        public const string UnorderedSource = "UnorderedSource";

        /// <summary>"true" when the fix may switch the whole optimizer to <c>model.GetDecayGroups().ToX(…)</c>.</summary>
        public const string CanUseGeneratedGroups = "CanUseGeneratedGroups";

        /// <summary>For WDG007: which misuse ("NotPartial", "Scale", …); only "NotPartial" has a fix.</summary>
        public const string Misuse = "Misuse";

        public const string NotPartial = "NotPartial";

        /// <summary>The optimizer's name in the optimizer table (WDG005, WDG012): the fixes read its facts there.</summary>
        public const string Optimizer = "Optimizer";

        /// <summary>For WDG005: the optimizer with the same arguments and decoupled decay, set when renaming the call to it is safe.</summary>
        public const string DecoupledVariant = "DecoupledVariant";
    }
}
