using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Reflection;
using System.Text;

namespace WdGen
{
    /// <summary>How a member of a model is handled by the generated walk.</summary>
    public enum DecayPlanMemberKind
    {
        /// <summary>A TorchSharp layer with a fixed parameter list (Linear, LayerNorm, …): decided by the declared type.</summary>
        Layer,
        /// <summary>A raw <c>Parameter</c> field: decided by the declared type.</summary>
        Parameter,
        /// <summary>Sequential, ModuleList, ModuleDict, ParameterList or ParameterDict: walked at run time in index order.</summary>
        Container,
        /// <summary>A module with its own <c>[DecayGroups]</c> plan: walked by that plan, in its generated order.</summary>
        DecayGroupsModule,
        /// <summary>Any other module, or a field of a base type: classified at run time by the type of its value.</summary>
        Module,
        /// <summary>A field whose static type could hold a module or parameter (Tensor, object): classified at run time.</summary>
        Value,
    }

    /// <summary>One parameter of a member whose decision is known from the declared type.</summary>
    public sealed class DecayPlanParameter
    {
        internal DecayPlanParameter(string name, ParameterRole role, double scale, string reason, double learningRateScale = 1.0)
        {
            Name = name;
            Role = role;
            Scale = scale;
            Reason = reason;
            LearningRateScale = learningRateScale;
        }

        /// <summary>The member's own <c>[LearningRate]</c> scale (1 without one); enclosing members' scales multiply it at run time.</summary>
        public double LearningRateScale { get; }

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

    /// <summary>
    /// One field of a model, in walk order: its registered name, declared type, how the walk reaches it and the WdGen
    /// attribute on it. <see cref="DecayPlan.Of"/> creates the members of a generated model; the factory methods
    /// (<see cref="Layer"/>, <see cref="Parameter"/>, …) build plans by hand. The plan works out the parameters
    /// decided by the declared type with the same policy the run-time groups use.
    /// </summary>
    public sealed class DecayPlanMember
    {
        private DecayPlanMember(string name, string staticType, DecayPlanMemberKind kind, DecayRule? rule)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            StaticType = staticType ?? throw new ArgumentNullException(nameof(staticType));
            Kind = kind;
            Rule = rule ?? DecayRule.Default;
        }

        /// <summary>The field the walk reads, for members read from a generated model; null for hand-made members.</summary>
        internal FieldInfo? Field { get; private set; }

        /// <summary>The name TorchSharp registers the member under (the field name, or its <c>[ComponentName]</c>).</summary>
        public string Name { get; }

        /// <summary>The declared type, as written in C#; for a layer, the TorchSharp layer's name.</summary>
        public string StaticType { get; }

        /// <summary>How the walk handles it.</summary>
        public DecayPlanMemberKind Kind { get; }

        /// <summary>The WdGen attribute on the member.</summary>
        public DecayRule Rule { get; }

        /// <summary>The WdGen attributes as written, e.g. <c>[Decay(0.5)]</c> or <c>[NoDecay] [LearningRate(0.1)]</c>, or null.</summary>
        public string? Attribute
        {
            get
            {
                var decay = Rule.Kind switch
                {
                    DecayRuleKind.Decay => DecayPolicy.DescribeDecayAttribute(Rule.Scale, Rule.IncludeBiases),
                    DecayRuleKind.NoDecay => "[NoDecay]",
                    _ => null,
                };
                var learningRate = Rule.LearningRateSource is null ? null : DecayPolicy.DescribeLearningRateAttribute(Rule.LearningRateScale);
                return decay is null ? learningRate : learningRate is null ? decay : decay + " " + learningRate;
            }
        }

        /// <summary>What is decided by the declared type or left for run time, in words.</summary>
        public string Note => Kind switch
        {
            DecayPlanMemberKind.Layer => StaticType + ": decided by the declared type",
            DecayPlanMemberKind.Parameter => "raw Parameter: decided by the declared type",
            DecayPlanMemberKind.Container => "container: walked at run time in index order, items classified by their run-time type",
            DecayPlanMemberKind.DecayGroupsModule => StaticType + " has its own plan: walked by it, in its generated order",
            DecayPlanMemberKind.Module => "module: walked at run time, parameters classified by the run-time type of the module that owns them",
            _ => StaticType + " field: classified at run time by the value it holds",
        };

        /// <summary>Parameters decided by the declared type (layers and raw parameters); empty for members resolved at run time.</summary>
        public IReadOnlyList<DecayPlanParameter> Parameters { get; private set; } = Array.Empty<DecayPlanParameter>();

        /// <summary>Whether the member's parameters are only known when the model exists.</summary>
        public bool ResolvedAtRunTime => Kind is not (DecayPlanMemberKind.Layer or DecayPlanMemberKind.Parameter);

        /// <summary>A field of a known TorchSharp layer type (<paramref name="layer"/> is its name, e.g. <c>Linear</c>).</summary>
        public static DecayPlanMember Layer(string name, string layer, DecayRule? rule = null) => new(name, layer, DecayPlanMemberKind.Layer, rule);

        /// <summary>A raw <c>Parameter</c> field.</summary>
        public static DecayPlanMember Parameter(string name, string staticType, DecayRule? rule = null) => new(name, staticType, DecayPlanMemberKind.Parameter, rule);

        /// <summary>A Sequential, ModuleList, ModuleDict, ParameterList or ParameterDict field.</summary>
        public static DecayPlanMember Container(string name, string staticType, DecayRule? rule = null) => new(name, staticType, DecayPlanMemberKind.Container, rule);

        /// <summary>A field whose type has its own <c>[DecayGroups]</c> plan.</summary>
        public static DecayPlanMember Nested(string name, string staticType, DecayRule? rule = null) => new(name, staticType, DecayPlanMemberKind.DecayGroupsModule, rule);

        /// <summary>A field of another module type, or declared as a base module type.</summary>
        public static DecayPlanMember Module(string name, string staticType, DecayRule? rule = null) => new(name, staticType, DecayPlanMemberKind.Module, rule);

        /// <summary>A field declared as a tensor, an interface, object or a type parameter.</summary>
        public static DecayPlanMember Value(string name, string staticType, DecayRule? rule = null) => new(name, staticType, DecayPlanMemberKind.Value, rule);

        /// <summary>
        /// The member's value in <paramref name="model"/>, read from its field (private ones and base classes' too).
        /// Called by the walk that WdGen generates into each TorchSharp project.
        /// </summary>
        /// <exception cref="InvalidOperationException">The member was made by hand, not read from a generated model.</exception>
        [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
        public object? ValueOf(object model)
        {
            if (Field is null)
            {
                throw new InvalidOperationException("The plan member '" + Name + "' was not read from a generated model, so the walk cannot read its value.");
            }

            return Field.GetValue(model);
        }

        /// <summary>A member read from a generated model's metadata.</summary>
        internal static DecayPlanMember Create(string name, string staticType, DecayPlanMemberKind kind, DecayRule rule, FieldInfo field)
            => new(name, staticType, kind, rule) { Field = field };

        /// <summary>Decides the parameters, known from the declared type, of a layer or raw parameter owned by <paramref name="owner"/>.</summary>
        internal void Resolve(string owner, ParameterRole? forcedRole)
        {
            var parameters = new List<DecayPlanParameter>();
            if (Kind == DecayPlanMemberKind.Layer && TorchSharpLayers.Find(TorchSharpLayers.ModuleNamespace + "." + StaticType) is { } layer)
            {
                foreach (var (local, tableRole) in layer.Parameters)
                {
                    var role = forcedRole ?? tableRole;
                    var reason = forcedRole is null
                        ? DecayPolicy.LayerRoleReason(layer.Name, local, role)
                        : DecayPolicy.ForcedRoleReason(layer.Name, local, owner, role);
                    parameters.Add(Plan(Name + "." + local, role, reason));
                }
            }
            else if (Kind == DecayPlanMemberKind.Parameter)
            {
                var role = forcedRole ?? ParameterRole.Other;
                var reason = forcedRole is null
                    ? DecayPolicy.RawRoleReason(owner, Name)
                    : DecayPolicy.ForcedRoleReason(owner, Name, owner, role);
                parameters.Add(Plan(Name, role, reason));
            }

            Parameters = parameters;
        }

        private DecayPlanParameter Plan(string name, ParameterRole role, string roleReason)
        {
            var decision = Rule.Decide(role, roleReason);
            return new DecayPlanParameter(name, role, decision.Scale, decision.Reason, Rule.LearningRateScale);
        }
    }

    /// <summary>
    /// The plan of a <c>[DecayGroups]</c> model: its members in walk order, what their declared types decide and
    /// what is left to the run-time walk. Generated models expose it as the static property <c>DecayPlan</c>.
    /// </summary>
    public sealed class DecayPlan
    {
        private static readonly ConcurrentDictionary<Type, DecayPlan> Plans = new();
        private static readonly ConcurrentDictionary<Type, DecayPlan> PlansByRunTimeType = new();

        /// <summary>Creates the plan of <paramref name="model"/> (its name as written in C#, e.g. <c>Net&lt;T&gt;</c>).</summary>
        public DecayPlan(string model, params DecayPlanMember[] members)
            : this(model, null, members)
        {
        }

        /// <summary>Creates the plan of a model whose own <c>[LayerRole]</c> gives <paramref name="layerRole"/> to everything in it.</summary>
        public DecayPlan(string model, ParameterRole? layerRole, params DecayPlanMember[] members)
        {
            Model = model ?? throw new ArgumentNullException(nameof(model));
            LayerRole = layerRole;
            Members = members ?? Array.Empty<DecayPlanMember>();
            var tick = model.IndexOf('<');
            var owner = tick < 0 ? model : model.Substring(0, tick);
            foreach (var member in Members)
            {
                member.Resolve(owner, layerRole);
            }
        }

        /// <summary>
        /// The plan of a model WdGen generated code for: its members in the order the generator recorded, their
        /// declared types and WdGen attributes read from metadata, then its base classes' fields. Read once per type.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="model"/> has no generated code.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A <c>[Decay(scale)]</c> or <c>[LearningRate(scale)]</c> is not positive and finite (WDG007 at compile time).</exception>
        public static DecayPlan Of(Type model)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            return Plans.GetOrAdd(model, static type => new DecayPlan(
                ModelMembers.Display(type),
                type.GetCustomAttribute<LayerRoleAttribute>(inherit: true)?.Role,
                ModelMembers.Read(type).ToArray()));
        }

        /// <summary>
        /// The plan a walk of <paramref name="model"/> follows: the plan of the nearest class, its own or a base, that
        /// has generated code (a class derived from a model without code of its own is walked as that model). Looked
        /// up once per run-time type.
        /// </summary>
        /// <exception cref="ArgumentException">No class of <paramref name="model"/> has generated code (the interface was implemented by hand).</exception>
        internal static DecayPlan OfModel(IDecayGroupsModel model)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            return PlansByRunTimeType.GetOrAdd(model.GetType(), static type =>
            {
                var generated = type;
                while (generated.BaseType is { } baseType && !generated.IsDefined(typeof(WalkOrderAttribute), inherit: false))
                {
                    generated = baseType;
                }

                return Of(generated.IsDefined(typeof(WalkOrderAttribute), inherit: false) ? generated : type);
            });
        }

        /// <summary>The plan of <typeparamref name="TModel"/>: see <see cref="Of(Type)"/>.</summary>
        /// <exception cref="ArgumentException"><typeparamref name="TModel"/> has no generated code.</exception>
        public static DecayPlan Of<TModel>()
            where TModel : class
            => Of(typeof(TModel));

        /// <summary>The role the model's own <c>[LayerRole]</c> gives to its parameters, if any.</summary>
        public ParameterRole? LayerRole { get; }

        /// <summary>The model type, as written in C#.</summary>
        public string Model { get; }

        /// <summary>The members in the order the walk visits them.</summary>
        public IReadOnlyList<DecayPlanMember> Members { get; }

        /// <summary>
        /// A readable table: one row per parameter known from the declared type, one per member resolved at run time; an
        /// "lr" column (each parameter's own <c>[LearningRate]</c> scale) when any member has one.
        /// </summary>
        public override string ToString()
        {
            var output = new StringBuilder();
            output.Append("Decay plan of ").Append(Model).Append(" (from its declared fields):\n");
            var scaled = false;
            foreach (var member in Members)
            {
                foreach (var parameter in member.Parameters)
                {
                    scaled |= parameter.LearningRateScale != 1.0;
                }
            }

            string[] Row(string name, string type, string decay, string learningRate, string why)
                => scaled ? new[] { name, type, decay, learningRate, why } : new[] { name, type, decay, why };

            var rows = new List<string[]>();
            foreach (var member in Members)
            {
                var type = member.StaticType + (member.Attribute is null ? string.Empty : " " + member.Attribute);
                if (member.ResolvedAtRunTime)
                {
                    rows.Add(Row(member.Name, type, "run time", "run time", member.Note));
                    continue;
                }

                foreach (var parameter in member.Parameters)
                {
                    var decision = parameter.Decays ? "×" + DecayPolicy.FormatScale(parameter.Scale) : "no";
                    rows.Add(Row(parameter.Name, type, decision, "×" + DecayPolicy.FormatScale(parameter.LearningRateScale), parameter.Reason));
                }
            }

            TextTable.Render(output, Row("member", "type", "decay", "lr", "why"), rows);
            return output.ToString();
        }
    }
}
