// Metadata names of WdGen's own attributes and types, as the generator and the analyzers look them up.

namespace WdGen
{
    internal static class WdGenNames
    {
        public const string DecayGroupsAttribute = "WdGen.DecayGroupsAttribute";
        public const string DecayAttribute = "WdGen.DecayAttribute";
        public const string NoDecayAttribute = "WdGen.NoDecayAttribute";
        public const string LearningRateAttribute = "WdGen.LearningRateAttribute";
        public const string LayerRoleAttribute = "WdGen.LayerRoleAttribute";
        public const string DecayGroups = "WdGen.DecayGroups`1";
        public const string IncludeBiases = "IncludeBiases";
    }
}
