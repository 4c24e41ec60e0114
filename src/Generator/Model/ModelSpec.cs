namespace WdGen.Generator.Model
{
    // The generator's pipeline carries only these value-equatable records (strings, bools, EquatableArray):
    // never symbols, syntax or compilations. They are read from syntax alone, so an edit elsewhere re-runs
    // nothing but cheap syntax reads, and every step after them stays cached.

    /// <summary>
    /// What the generator's one syntax step reads from a node: a partial class (<see cref="PartSpec"/>) or a global
    /// using of WdGen (<see cref="GlobalUsingSpec"/>). One step serves both so an edit walks the edited tree once.
    /// </summary>
    internal abstract record SyntaxSpec;

    /// <summary>
    /// One partial declaration of a class, as written in one file: where it sits, the attribute names on it and on
    /// its members, how its file names WdGen, and the members that may hold a module or a parameter.
    /// </summary>
    internal sealed record PartSpec(
        string Key,
        string FilePath,
        int Position,
        string? Namespace,
        EquatableArray<TypeDeclarationSpec> ContainingTypes,
        TypeDeclarationSpec Type,
        bool CanExtend,
        bool HasBaseList,
        EquatableArray<string> ClassAttributes,
        EquatableArray<string> MemberAttributes,
        NameScope Scope,
        EquatableArray<string> Members) : SyntaxSpec;

    /// <summary><c>global using WdGen;</c> or <c>global using Alias = WdGen…;</c>, anywhere in the compilation.</summary>
    internal sealed record GlobalUsingSpec(AliasSpec Using) : SyntaxSpec;

    /// <summary>
    /// How names in one place can refer to WdGen's attributes: whether <c>WdGen</c> is imported (a using directive,
    /// or a declaration inside namespace <c>WdGen</c>), and the aliases whose target is a WdGen attribute.
    /// </summary>
    internal sealed record NameScope(bool ImportsWdGen, EquatableArray<AliasSpec> Aliases)
    {
        public static NameScope None { get; } = new(false, EquatableArray<AliasSpec>.Empty);
    }

    /// <summary><c>using Alias = Target;</c>, the target as written without <c>global::</c>.</summary>
    internal sealed record AliasSpec(string Alias, string Target);

    /// <summary>
    /// One generated file: the models whose first declaration is in one source file, in declaration order. One output
    /// per source file, not per model: Roslyn pays a fixed cost for every output on every run, cached or not, so the
    /// outputs grow with the files a user edits rather than with the models in them.
    /// </summary>
    internal sealed record FileSpec(string HintName, string SourceName, EquatableArray<ModelSpec> Models);

    /// <summary>A model to emit: its declarations to reopen and its members in walk order.</summary>
    internal sealed record ModelSpec(
        string? Namespace,
        EquatableArray<TypeDeclarationSpec> ContainingTypes,
        TypeDeclarationSpec Type,
        EquatableArray<string> Members);

    /// <summary>One type declaration to reopen as partial: <c>partial class Net&lt;T&gt;</c>.</summary>
    internal sealed record TypeDeclarationSpec(string Keyword, string NameWithTypeParameters);
}
