using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Analyzers.Tests.Infrastructure;
using Xunit;

namespace WdGen.Analyzers.Tests
{
    /// <summary>
    /// "Which members can hold parameters" is decided by one rule (ParameterHolders in src/Shared/TorchSharpLayers.cs)
    /// that three readers feed: the generator from syntax (the walk order it writes), the analyzers from symbols, and the
    /// runtime from reflection (DecayPlan.Of). Over one model with every kind of member declaration, the three agree:
    /// the symbols and the runtime decide alike, and syntax keeps everything they keep, dropping only what the other
    /// two drop (it cannot tell a struct or a plain class from a module by its name).
    /// </summary>
    public sealed class ParameterHolderTests
    {
        private const string Source = Sources.Usings + """
            public interface IHasParameters { }
            public struct Pair { public Linear A; }
            public enum Kind { A }
            public delegate void Callback();
            public sealed class Plain { }

            public sealed class Custom : nn.Module<Tensor, Tensor>
            {
                public Custom() : base(nameof(Custom)) { }
                public override Tensor forward(Tensor x) => x;
            }

            #pragma warning disable CS0169, CS0414, CS0649
            [DecayGroups]
            public sealed partial class Holders : nn.Module<Tensor, Tensor>
            {
                private const int Width = 4;
                private static readonly Linear shared = nn.Linear(1, 1);
                private readonly Linear linear = nn.Linear(1, 1);
                private readonly Linear? maybeLinear;
                private readonly Custom custom = new Custom();
                private readonly ModuleList<Linear> moduleList = new ModuleList<Linear>();
                private readonly Sequential sequential = nn.Sequential();
                private readonly Parameter parameter = nn.Parameter(torch.ones(1));
                private readonly Tensor tensor = torch.ones(1);
                private readonly object anything = new object();
                private readonly dynamic dynamicValue = 1;
                private readonly IHasParameters? byInterface;
                private readonly IList<Linear> interfaceList = new List<Linear>();
                private readonly Linear[] array = new Linear[0];
                private readonly (Linear, Linear) tuple;
                private readonly int number;
                private readonly int? maybeNumber;
                private readonly string text = "";
                private readonly Pair pair;
                private readonly Kind kind;
                private readonly Callback? callback;
                private readonly Plain plain = new Plain();
                private readonly List<Linear> list = new List<Linear>();

                public Holders() : base(nameof(Holders)) { }

                public Linear Auto { get; } = nn.Linear(1, 1);
                public Parameter? AutoParameter { get; set; }
                public Linear Computed => linear;
                public static Linear StaticAuto { get; } = nn.Linear(1, 1);

                public override Tensor forward(Tensor x) => x;
            }
            """;

        /// <summary>Each member: whether syntax keeps it, and what symbols and reflection say it can hold.</summary>
        private static readonly Dictionary<string, (bool SyntaxKeeps, HeldValue Held)> Expected = new()
        {
            ["Width"] = (false, HeldValue.Nothing),
            ["shared"] = (false, HeldValue.Nothing),
            ["linear"] = (true, HeldValue.Module),
            ["maybeLinear"] = (true, HeldValue.Module),
            ["custom"] = (true, HeldValue.Module),
            ["moduleList"] = (true, HeldValue.Module),
            ["sequential"] = (true, HeldValue.Module),
            ["parameter"] = (true, HeldValue.Parameter),
            ["tensor"] = (true, HeldValue.AnyValue),
            ["anything"] = (true, HeldValue.AnyValue),
            ["dynamicValue"] = (true, HeldValue.AnyValue),
            ["byInterface"] = (true, HeldValue.AnyValue),
            ["interfaceList"] = (true, HeldValue.AnyValue),
            ["array"] = (false, HeldValue.Nothing),
            ["tuple"] = (false, HeldValue.Nothing),
            ["number"] = (false, HeldValue.Nothing),
            ["maybeNumber"] = (false, HeldValue.Nothing),
            ["text"] = (false, HeldValue.Nothing),
            ["pair"] = (true, HeldValue.Nothing),
            ["kind"] = (true, HeldValue.Nothing),
            ["callback"] = (true, HeldValue.Nothing),
            ["plain"] = (true, HeldValue.Nothing),
            ["list"] = (true, HeldValue.Nothing),
            ["Auto"] = (true, HeldValue.Module),
            ["AutoParameter"] = (true, HeldValue.Parameter),
            ["Computed"] = (false, HeldValue.Nothing),
            ["StaticAuto"] = (false, HeldValue.Nothing),
        };

        private static readonly Lazy<(Compilation Compilation, Type Model)> Compiled = new(() =>
        {
            var compilation = AnalyzerHarness.RunGenerator(CSharpCompilation.Create(
                "Holders" + Guid.NewGuid().ToString("N"),
                new[] { CSharpSyntaxTree.ParseText(Source, AnalyzerHarness.ParseOptions, "Holders.cs") },
                AnalyzerHarness.ReferencesFor(torchSharp: true),
                AnalyzerHarness.CompilationOptions));
            using var image = new MemoryStream();
            var emitted = compilation.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            return (compilation, Assembly.Load(image.ToArray()).GetType("Holders", throwOnError: true)!);
        });

        [Fact]
        public void The_symbols_decide_what_each_member_can_hold()
        {
            var (compilation, _) = Compiled.Value;
            var api = TorchSharpApi.Create(compilation)!;
            var holders = compilation.GetTypeByMetadataName("Holders")!;
            var actual = Expected.Keys.ToDictionary(name => name, name => api.Holds(holders.GetMembers(name).Single()));
            Assert.Equal(Expected.ToDictionary(e => e.Key, e => e.Value.Held), actual);
        }

        [Fact]
        public void The_runtime_plan_reads_the_members_the_symbols_say_can_hold_parameters_with_the_same_kind()
        {
            var plan = DecayPlan.Of(Compiled.Value.Model);
            var actual = plan.Members.ToDictionary(m => MemberName(m.Name), m => Held(m.Kind));
            Assert.Equal(Expected.Where(e => e.Value.Held != HeldValue.Nothing).ToDictionary(e => e.Key, e => e.Value.Held), actual);
        }

        [Fact]
        public void The_generator_keeps_every_member_the_others_keep_and_drops_only_what_they_drop()
        {
            var walkOrder = Compiled.Value.Model.GetCustomAttribute<WalkOrderAttribute>()!.Members;
            Assert.Equal(Expected.Where(e => e.Value.SyntaxKeeps).Select(e => e.Key).OrderBy(n => n, StringComparer.Ordinal), walkOrder.OrderBy(n => n, StringComparer.Ordinal));
            Assert.All(Expected.Where(e => e.Value.Held != HeldValue.Nothing), e => Assert.Contains(e.Key, walkOrder));
        }

        /// <summary>TorchSharp registers an auto-property under its backing field's name.</summary>
        private static string MemberName(string registered)
            => registered.StartsWith('<') ? registered.Substring(1, registered.IndexOf('>') - 1) : registered;

        private static HeldValue Held(DecayPlanMemberKind kind) => kind switch
        {
            DecayPlanMemberKind.Parameter => HeldValue.Parameter,
            DecayPlanMemberKind.Value => HeldValue.AnyValue,
            _ => HeldValue.Module,
        };
    }
}
