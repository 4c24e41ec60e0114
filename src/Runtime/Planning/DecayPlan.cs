using System;
using System.Collections.Generic;
using System.Text;

namespace WdGen
{
    /// <summary>How a member of a model is handled by the generated walk.</summary>
    public enum DecayPlanMemberKind
    {
        /// <summary>A TorchSharp layer with a fixed parameter list (Linear, LayerNorm, …): decided at compile time.</summary>
        Layer,
        /// <summary>A raw <c>Parameter</c> field: decided at compile time.</summary>
        Parameter,
        /// <summary>Sequential, ModuleList, ModuleDict, ParameterList or ParameterDict: walked at run time in index order.</summary>
        Container,
        /// <summary>A module with its own <c>[DecayGroups]</c> plan: walked through its generated code.</summary>
        DecayGroupsModule,
        /// <summary>Any other module, or a field of a base type: classified at run time by the type of its value.</summary>
        Module,
        /// <summary>A field whose static type could hold a module or parameter (Tensor, object): classified at run time.</summary>
        Value,
    }

    /// <summary>One parameter of a member whose decision is known at compile time.</summary>
    public sealed class DecayPlanParameter
    {
        /// <summary>Creates a planned parameter.</summary>
        public DecayPlanParameter(string name, ParameterRole role, double scale, string reason)
        {
            Name = name;
            Role = role;
            Scale = scale;
            Reason = reason;
        }

        /// <summary>The parameter's name as TorchSharp registers it, e.g. <c>head.weight</c>.</summary>
        public string Name { get; }

        /// <summary>Its role.</summary>
        public ParameterRole Role { get; }

        /// <summary>The decay multiplier; 0 means no decay.</summary>
        public double Scale { get; }

        /// <summary>Whether it decays.</summary>
        public bool Decays => Scale != 0.0;

        /// <summary>Which rule or attribute decided.</summary>
        public string Reason { get; }
    }

    /// <summary>One field of a model, in declaration order, as the generator saw it.</summary>
    public sealed class DecayPlanMember
    {
        /// <summary>Creates a planned member.</summary>
        public DecayPlanMember(string name, string staticType, DecayPlanMemberKind kind, string? attribute, string note, params DecayPlanParameter[] parameters)
        {
            Name = name;
            StaticType = staticType;
            Kind = kind;
            Attribute = attribute;
            Note = note;
            Parameters = parameters ?? Array.Empty<DecayPlanParameter>();
        }

        /// <summary>The name TorchSharp registers the member under (the field name, or its <c>[ComponentName]</c>).</summary>
        public string Name { get; }

        /// <summary>The declared type, as written in C#.</summary>
        public string StaticType { get; }

        /// <summary>How the walk handles it.</summary>
        public DecayPlanMemberKind Kind { get; }

        /// <summary>The WdGen attribute on the member, e.g. <c>[Decay(0.5)]</c>, or null.</summary>
        public string? Attribute { get; }

        /// <summary>What the generator decided or what is left for run time, in words.</summary>
        public string Note { get; }

        /// <summary>Parameters decided at compile time (layers and raw parameters); empty for members resolved at run time.</summary>
        public IReadOnlyList<DecayPlanParameter> Parameters { get; }

        /// <summary>Whether the member's parameters are only known when the model exists.</summary>
        public bool ResolvedAtRunTime => Kind is not (DecayPlanMemberKind.Layer or DecayPlanMemberKind.Parameter);
    }

    /// <summary>
    /// The compile-time plan of a <c>[DecayGroups]</c> model: its members in order, what the generator
    /// decided for each and what it leaves to the run-time walk. Generated as a static property.
    /// </summary>
    public sealed class DecayPlan
    {
        /// <summary>Creates the plan of <paramref name="model"/>.</summary>
        public DecayPlan(string model, params DecayPlanMember[] members)
        {
            Model = model;
            Members = members ?? Array.Empty<DecayPlanMember>();
        }

        /// <summary>The model type, as written in C#.</summary>
        public string Model { get; }

        /// <summary>The members in the order the walk visits them.</summary>
        public IReadOnlyList<DecayPlanMember> Members { get; }

        /// <summary>A readable table: one row per parameter known at compile time, one per member resolved at run time.</summary>
        public override string ToString()
        {
            var output = new StringBuilder();
            output.Append("Decay plan of ").Append(Model).Append(" (compile time):\n");
            var rows = new List<string[]>();
            foreach (var member in Members)
            {
                var type = member.StaticType + (member.Attribute is null ? string.Empty : " " + member.Attribute);
                if (member.ResolvedAtRunTime)
                {
                    rows.Add(new[] { member.Name, type, "run time", member.Note });
                    continue;
                }

                foreach (var parameter in member.Parameters)
                {
                    var decision = parameter.Decays ? "×" + DecayPolicy.FormatScale(parameter.Scale) : "no";
                    rows.Add(new[] { parameter.Name, type, decision, parameter.Reason });
                }
            }

            TextTable.Render(output, new[] { "member", "type", "decay", "why" }, rows);
            return output.ToString();
        }
    }
}
