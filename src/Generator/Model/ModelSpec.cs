namespace WdGen.Generator.Model
{
    // The generator's pipeline carries only these value-equatable records (strings, enums, EquatableArray):
    // never symbols, syntax or compilations, so an edit elsewhere leaves every step cached.

    /// <summary>
    /// A <c>[DecayGroups]</c> model: where to emit it, the role its own <c>[LayerRole]</c> forces (if any) and its
    /// members in walk order.
    /// </summary>
    internal sealed record ModelSpec(
        string HintName,
        string? Namespace,
        EquatableArray<TypeDeclarationSpec> ContainingTypes,
        TypeDeclarationSpec Type,
        string DisplayName,
        string SimpleName,
        bool HidesBaseModel,
        ParameterRole? ForcedRole,
        EquatableArray<MemberSpec> Members);

    /// <summary>One type declaration to reopen as partial: <c>partial record class Gpt&lt;T&gt;</c>.</summary>
    internal sealed record TypeDeclarationSpec(string Keyword, string NameWithTypeParameters);

    /// <summary>How the walk reaches a member and what the generator knows about it at compile time.</summary>
    internal enum MemberKind
    {
        Layer,
        Parameter,
        Container,
        DecayGroupsModule,
        Module,
        Value,
    }

    /// <summary>Which WdGen attribute a member carries.</summary>
    internal enum MemberAttributeKind
    {
        None,
        Decay,
        NoDecay,
    }

    /// <summary>
    /// One field of a model. <see cref="Access"/> is the C# expression that reads it (the property for an
    /// auto-property), <see cref="RegisteredName"/> the name TorchSharp registers it under.
    /// </summary>
    internal sealed record MemberSpec(
        string MemberName,
        string Access,
        string RegisteredName,
        string StaticType,
        MemberKind Kind,
        MemberAttributeKind Attribute,
        double Scale,
        bool IncludeBiases,
        string? LayerName);
}
