using WdGen.CodeFixes;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG007 (attribute misuse), WDG008 (auto-properties), WDG009 (split fields), WDG010 (implicit no-decay).</summary>
    public sealed class DeclarationTests
    {
        [Fact]
        public void Attribute_misuse_is_flagged()
        {
            Verify(With("""
                [{|WDG007:DecayGroups|}]
                public partial class NotAModule { }

                [DecayGroups]
                public sealed class {|WDG007:NotPartial|} : nn.Module<Tensor, Tensor>
                {
                    public NotPartial() : base("n") { }
                    public override Tensor forward(Tensor x) => x;
                }

                public sealed class {|WDG007:MembersOnly|} : nn.Module<Tensor, Tensor>
                {
                    [NoDecay] private readonly Linear a = nn.Linear(2, 2);
                    public MembersOnly() : base("m") { }
                    public override Tensor forward(Tensor x) => x;
                }

                public sealed partial class Misused : nn.Module<Tensor, Tensor>
                {
                    [Decay, {|WDG007:NoDecay|}] private readonly Linear both = nn.Linear(2, 2);
                    [{|WDG007:Decay|}] private static Linear shared = nn.Linear(2, 2);
                    [{|WDG007:NoDecay|}] private readonly int width = 4;
                    [Decay({|WDG007:0|})] private readonly Linear zero = nn.Linear(2, 2);
                    [Decay({|WDG007:-1.5|})] private readonly Linear negative = nn.Linear(2, 2);
                    [Decay({|WDG007:double.NaN|})] private readonly Linear nan = nn.Linear(2, 2);
                    [Decay(0.5)] private readonly Linear fine = nn.Linear(2, 2);
                    [NoDecay] private readonly Tensor buffer = torch.ones(1);
                    public Misused() : base("m") { }
                    public override Tensor forward(Tensor x) => x;
                }
                """), only: new[] { "WDG007" });
        }

        [Fact]
        public void Correct_models_have_no_attribute_misuse()
        {
            Verify(With("""
                public static partial class Outer
                {
                    [DecayGroups]
                    public sealed partial class Inner : nn.Module<Tensor, Tensor>
                    {
                        [Decay(0.5)] private readonly Linear head = nn.Linear(2, 2);
                        [NoDecay] private readonly Parameter scale = nn.Parameter(torch.ones(1));
                        public Inner() : base("i") => RegisterComponents();
                        public override Tensor forward(Tensor x) => x;
                    }
                }
                """, GroupedNet));
        }

        [Fact]
        public void Fix_all_declares_models_partial_with_their_containing_types()
        {
            var fixedSource = VerifyFix(With("""
                public static class Outer
                {
                    [DecayGroups]
                    public sealed class Inner : nn.Module<Tensor, Tensor>
                    {
                        public Inner() : base("i") { }
                        public override Tensor forward(Tensor x) => x;
                    }
                }

                [DecayGroups]
                public sealed class Other : nn.Module<Tensor, Tensor>
                {
                    public Other() : base("o") { }
                    public override Tensor forward(Tensor x) => x;
                }
                """), "WDG007", new MakePartialCodeFix(), fixAll: true);
            Assert.Contains("public static partial class Outer", fixedSource);
            Assert.Contains("public sealed partial class Inner", fixedSource);
            Assert.Contains("public sealed partial class Other", fixedSource);
        }

        [Fact]
        public void Modules_and_parameters_in_auto_properties_are_flagged()
        {
            Verify(With("""
                public sealed class M : nn.Module<Tensor, Tensor>
                {
                    public Linear [|Fc|] { get; } = nn.Linear(2, 2);
                    public Parameter [|Scale|] { get; set; } = nn.Parameter(torch.ones(1));
                    public int Width { get; } = 2;
                    public Linear Computed => fc;
                    private readonly Linear fc = nn.Linear(2, 2);
                    public M() : base("m") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public sealed class NotAModule
                {
                    public Linear Fc { get; } = nn.Linear(2, 2);
                }
                """), "WDG008", only: new[] { "WDG008" });
        }

        [Fact]
        public void Fix_all_turns_auto_properties_into_fields()
        {
            var fixedSource = VerifyFix(With("""
                public sealed class M : nn.Module<Tensor, Tensor>
                {
                    public Linear Fc { get; } = nn.Linear(2, 2);
                    [NoDecay] public Parameter Scale { get; set; } = nn.Parameter(torch.ones(1));
                    public M() : base("m") => RegisterComponents();
                    public override Tensor forward(Tensor x) => Fc.forward(x);
                }
                """), "WDG008", new AutoPropertyToFieldCodeFix(), fixAll: true);
            Assert.Contains("public readonly Linear Fc = nn.Linear(2, 2);", fixedSource);
            Assert.Contains("[NoDecay] public Parameter Scale = nn.Parameter(torch.ones(1));", fixedSource);
        }

        [Fact]
        public void Parameter_fields_split_across_files_are_reported()
        {
            Verify(new[]
            {
                With("""
                    public sealed partial class {|WDG009:Split|} : nn.Module<Tensor, Tensor>
                    {
                        private readonly Linear a = nn.Linear(2, 2);
                        public Split() : base("s") => RegisterComponents();
                        public override Tensor forward(Tensor x) => x;
                    }

                    public sealed partial class Together : nn.Module<Tensor, Tensor>
                    {
                        private readonly Linear a = nn.Linear(2, 2);
                        private readonly Linear b = nn.Linear(2, 2);
                        public Together() : base("t") => RegisterComponents();
                        public override Tensor forward(Tensor x) => x;
                    }
                    """),
                Usings + """
                    public sealed partial class Split
                    {
                        private readonly Linear b = nn.Linear(2, 2);
                    }

                    public sealed partial class Together
                    {
                        private int Helper() => 1;
                    }
                    """,
            }, only: new[] { "WDG009" });
        }

        [Fact]
        public void Raw_parameters_and_norm_named_modules_without_attributes_are_reported()
        {
            Verify(With("""
                public sealed class [|RMSNorm|] : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter weight = nn.Parameter(torch.ones(4));
                    public RMSNorm() : base("n") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                [LayerRole(ParameterRole.Norm)]
                public sealed class ScaleNorm : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter g = nn.Parameter(torch.ones(1));
                    public ScaleNorm() : base("n") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public sealed class Model : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter [|temperature|] = nn.Parameter(torch.ones(1));
                    [NoDecay] private readonly Parameter bias2 = nn.Parameter(torch.ones(1));
                    [Decay] private readonly Parameter gain = nn.Parameter(torch.ones(1));
                    private readonly Linear fc = nn.Linear(2, 2);
                    public Model() : base("m") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }
                """.Replace("private readonly Parameter weight", "private readonly Parameter {|WDG010:weight|}")), "WDG010", only: new[] { "WDG010" });
        }
    }
}
