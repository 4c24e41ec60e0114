using System;
using System.Collections.Generic;

namespace WdGen
{
    /// <summary>
    /// Collects a model's parameters in walk order (generated code calls <c>Add</c> for each), then
    /// checks them against TorchSharp's <c>named_parameters()</c> and produces <see cref="DecayGroups{T}"/>.
    /// </summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    internal sealed class DecayGroupsBuilder<T>
        where T : class
    {
        private readonly IParameterInspector<T> inspector;
        private readonly bool includeFrozen;
        private readonly List<Visit> visits = new();

        /// <summary>Starts the groups of <paramref name="model"/>; frozen parameters are left out unless <paramref name="includeFrozen"/>.</summary>
        public DecayGroupsBuilder(string model, IParameterInspector<T> inspector, bool includeFrozen = false)
        {
            Model = model ?? throw new ArgumentNullException(nameof(model));
            this.inspector = inspector ?? throw new ArgumentNullException(nameof(inspector));
            this.includeFrozen = includeFrozen;
        }

        /// <summary>Starts the groups of a model of type <paramref name="model"/>, named in messages as C# writes it.</summary>
        public DecayGroupsBuilder(Type model, IParameterInspector<T> inspector, bool includeFrozen = false)
            : this(ModelMembers.Display(model ?? throw new ArgumentNullException(nameof(model))), inspector, includeFrozen)
        {
        }

        /// <summary>The model type the groups are for.</summary>
        public string Model { get; }

        /// <summary>
        /// Records parameter <paramref name="localName"/> of a module of run-time type <paramref name="ownerType"/>,
        /// found at path <paramref name="name"/>, under the attributes in <paramref name="context"/>.
        /// </summary>
        public void Add(string name, T parameter, Type ownerType, string localName, DecayContext context)
        {
            if (parameter is null)
            {
                return;
            }

            Record(name, parameter, ParameterClassifier.Classify(ownerType, localName, context), context);
        }

        /// <summary>
        /// Records a parameter whose owning module is known only by its metadata name (e.g.
        /// <c>TorchSharp.Modules.Linear</c>): for callers that describe a model's layout rather than walk its modules.
        /// </summary>
        public void Add(string name, T parameter, string ownerMetadataName, string localName, DecayContext context)
        {
            if (parameter is null)
            {
                return;
            }

            Record(name, parameter, ParameterClassifier.Classify(ownerMetadataName, localName, context), context);
        }

        private void Record(string name, T parameter, (ParameterRole Role, string Reason) classification, DecayContext context)
        {
            var decision = context.Rule.Decide(classification.Role, classification.Reason);
            visits.Add(new Visit(name, parameter, inspector.Identify(parameter), classification.Role, decision, context.LearningRateScale, context.LearningRateSource, context.Layer));
        }

        /// <summary>
        /// Validates the walk against <paramref name="registered"/> (the model's <c>named_parameters()</c>) and
        /// returns the groups. Throws <see cref="DecayGroupsException"/> naming every parameter that is missing,
        /// extra or misnamed, and every tied tensor whose paths disagree on decay or on the learning-rate scale.
        /// </summary>
        public DecayGroups<T> Build(IEnumerable<(string Name, T Parameter)> registered)
        {
            if (registered is null)
            {
                throw new ArgumentNullException(nameof(registered));
            }

            var problems = new List<string>();
            var registeredNames = new Dictionary<TensorIdentity, List<string>>();
            var registeredOrder = new List<(TensorIdentity Identity, string Name)>();
            foreach (var (name, parameter) in registered)
            {
                var identity = inspector.Identify(parameter);
                if (!registeredNames.TryGetValue(identity, out var names))
                {
                    registeredNames.Add(identity, names = new List<string>());
                }

                names.Add(name);
                registeredOrder.Add((identity, name));
            }

            // Group the walk's visits by tensor, keeping walk order: one entry per tensor.
            var byTensor = new Dictionary<TensorIdentity, List<Visit>>();
            var tensorOrder = new List<TensorIdentity>();
            foreach (var visit in visits)
            {
                if (!byTensor.TryGetValue(visit.Identity, out var paths))
                {
                    byTensor.Add(visit.Identity, paths = new List<Visit>());
                    tensorOrder.Add(visit.Identity);
                }

                if (!paths.Exists(p => p.Name == visit.Name))
                {
                    paths.Add(visit);
                }
            }

            var entries = new List<DecayEntry<T>>();
            var frozen = new List<string>();
            foreach (var identity in tensorOrder)
            {
                var paths = byTensor[identity];
                if (!registeredNames.TryGetValue(identity, out var names))
                {
                    problems.Add(DescribeUnregistered(paths[0].Name));
                    continue;
                }

                var primary = paths.Find(p => names.Contains(p.Name));
                if (primary is null)
                {
                    problems.Add(
                        "'" + paths[0].Name + "' is registered by TorchSharp as '" + string.Join("', '", names) + "'; the generated walk must use TorchSharp's name. "
                        + "If the field has [ComponentName], rebuild so the generator sees it; otherwise report this as a WdGen bug.");
                    continue;
                }

                var disagreement = paths.Find(p => p.Decision.Decays != primary.Decision.Decays || p.Decision.Scale != primary.Decision.Scale);
                if (disagreement is not null)
                {
                    problems.Add(DescribeTieConflict(primary, disagreement));
                    continue;
                }

                var lrDisagreement = paths.Find(p => p.LearningRateScale != primary.LearningRateScale);
                if (lrDisagreement is not null)
                {
                    problems.Add(DescribeLearningRateTieConflict(primary, lrDisagreement));
                    continue;
                }

                if (!includeFrozen && !inspector.RequiresGrad(primary.Parameter))
                {
                    frozen.Add(primary.Name);
                    continue;
                }

                var aliases = new List<string>();
                foreach (var path in paths)
                {
                    if (!ReferenceEquals(path, primary))
                    {
                        aliases.Add(path.Name);
                    }
                }

                foreach (var name in names)
                {
                    if (name != primary.Name && !aliases.Contains(name))
                    {
                        aliases.Add(name);
                    }
                }

                entries.Add(new DecayEntry<T>(
                    primary.Name,
                    primary.Parameter,
                    primary.Role,
                    primary.Decision.Decays,
                    primary.Decision.Scale,
                    primary.Decision.Reason,
                    identity.ElementCount,
                    aliases,
                    primary.LearningRateScale,
                    primary.LearningRateSource,
                    primary.Layer));
            }

            var reported = new HashSet<TensorIdentity>();
            foreach (var (identity, name) in registeredOrder)
            {
                if (!byTensor.ContainsKey(identity) && reported.Add(identity))
                {
                    problems.Add(
                        "'" + name + "' is registered by TorchSharp but the generated walk did not reach it. "
                        + "Declare the module or parameter that holds it as a field of a [DecayGroups] class (fields of array or list types are not registered by TorchSharp), "
                        + "or rebuild if the class changed since the last build.");
                }
            }

            if (problems.Count > 0)
            {
                throw new DecayGroupsException(Model, problems);
            }

            return new DecayGroups<T>(Model, entries, frozen);
        }

        private static string DescribeUnregistered(string name)
            => "'" + name + "' is reached through a field but TorchSharp has not registered it, so an optimizer built from named_parameters() would not train it. "
               + "Call RegisterComponents() at the end of the constructor, after every module and parameter field is assigned.";

        private static string DescribeTieConflict(Visit first, Visit second)
            => "'" + first.Name + "' and '" + second.Name + "' are one tensor (a tied weight) but disagree on decay: '"
               + first.Name + "' " + Describe(first.Decision) + " (" + first.Decision.Reason + "), while '"
               + second.Name + "' " + Describe(second.Decision) + " (" + second.Decision.Reason + "). "
               + "Give both members the same decision, e.g. [NoDecay] on the member that holds '" + (first.Decision.Decays ? first.Name : second.Name)
               + "', or [Decay] on the member that holds '" + (first.Decision.Decays ? second.Name : first.Name) + "'.";

        private static string DescribeLearningRateTieConflict(Visit first, Visit second)
            => "'" + first.Name + "' and '" + second.Name + "' are one tensor (a tied weight) but disagree on the learning rate: '"
               + first.Name + "' trains at ×" + DecayPolicy.FormatScale(first.LearningRateScale) + " (" + (first.LearningRateSource ?? "no [LearningRate]") + "), while '"
               + second.Name + "' trains at ×" + DecayPolicy.FormatScale(second.LearningRateScale) + " (" + (second.LearningRateSource ?? "no [LearningRate]") + "). "
               + "Give both members the same [LearningRate] scale.";

        private static string Describe(DecayDecision decision)
            => decision.Decays ? "decays ×" + DecayPolicy.FormatScale(decision.Scale) : "does not decay";

        private sealed class Visit
        {
            public Visit(string name, T parameter, TensorIdentity identity, ParameterRole role, DecayDecision decision, double learningRateScale, string? learningRateSource, DecayLayer? layer)
            {
                Name = name;
                Parameter = parameter;
                Identity = identity;
                Role = role;
                Decision = decision;
                LearningRateScale = learningRateScale;
                LearningRateSource = learningRateSource;
                Layer = layer;
            }

            public double LearningRateScale { get; }

            public string? LearningRateSource { get; }

            public DecayLayer? Layer { get; }

            public string Name { get; }

            public T Parameter { get; }

            public TensorIdentity Identity { get; }

            public ParameterRole Role { get; }

            public DecayDecision Decision { get; }
        }
    }
}
