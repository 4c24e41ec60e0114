using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen
{
    /// <summary><c>model.GetDecayGroups()</c>: the run-time walk behind every generated model.</summary>
    public static class TorchSharpDecayGroups
    {
        /// <summary>
        /// Each parameter WdGen hands out keeps its model alive. TorchSharp 0.107's LayerNorm, GroupNorm and BatchNorm
        /// dispose their parameters in their finalizers, so a model that becomes unreachable while an optimizer still
        /// trains its parameters would have them disposed under it at a random garbage collection.
        /// </summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Parameter, object> Models = new();

        /// <summary>
        /// This model's trainable parameters in decay and no-decay groups, in walk order, checked against its
        /// <c>named_parameters()</c>; frozen parameters are left out unless <paramref name="includeFrozen"/>.
        /// </summary>
        /// <exception cref="DecayGroupsException">The walk and <c>named_parameters()</c> disagree, or a tied tensor's paths disagree on decay.</exception>
        public static DecayGroups<Parameter> GetDecayGroups(this IDecayGroupsModel model, bool includeFrozen = false)
        {
            ArgumentNullException.ThrowIfNull(model);
            var builder = new DecayGroupsBuilder<Parameter>(model.GetType(), TorchSharpParameterInspector.Instance, includeFrozen);

            // The generator reads only syntax, so it cannot tell a module from any other class; WDG007 reports
            // [DecayGroups] on a class that is not one at compile time, and this says the same at run time.
            if (model is not torch.nn.Module module)
            {
                throw new InvalidOperationException(
                    builder.Model + " is not a TorchSharp module (WDG007): derive it from torch.nn.Module or remove [DecayGroups].");
            }

            Walk(builder, string.Empty, DecayContext.Root, model);
            var groups = builder.Build(module.named_parameters());
            foreach (var entry in groups.Entries)
            {
                Models.AddOrUpdate(entry.Parameter, model);
            }

            return groups;
        }

        /// <summary>
        /// Adds the members of a generated model in its plan's order (its own in the <c>[WalkOrder]</c> its generated
        /// code records, then its base classes'), each read from its field and entering the walk with its WdGen
        /// attribute in force.
        /// </summary>
        private static void Walk(DecayGroupsBuilder<Parameter> builder, string prefix, DecayContext context, IDecayGroupsModel model)
        {
            var plan = DecayPlan.OfModel(model);
            var owner = model.GetType();
            context = context.EnterModule(owner);
            foreach (var member in plan.Members)
            {
                Add(builder, prefix, member.Name, member.ValueOf(model), owner, context.With(member.Rule));
            }
        }

        /// <summary>A field's value: TorchSharp registers a parameter or a module by the value it holds.</summary>
        private static void Add(DecayGroupsBuilder<Parameter> builder, string prefix, string name, object? value, Type owner, DecayContext context)
        {
            switch (value)
            {
                case Parameter parameter:
                    builder.Add(prefix + name, parameter, owner, name, context);
                    break;
                case torch.nn.Module module:
                    AddModule(builder, prefix, name, module, context);
                    break;
            }
        }

        /// <summary>A module: a [DecayGroups] model through its own walk order, any other module by walking it.</summary>
        private static void AddModule(DecayGroupsBuilder<Parameter> builder, string prefix, string name, torch.nn.Module module, DecayContext context)
        {
            if (module is IDecayGroupsModel model)
            {
                Walk(builder, prefix + name + ".", context, model);
                return;
            }

            // The module's own parameters first, then each child's, as named_parameters() lists them; each
            // parameter is classified by the run-time type of the module that owns it.
            var moduleType = module.GetType();
            context = context.EnterModule(moduleType);
            foreach (var (parameterName, parameter) in module.named_parameters(recurse: false))
            {
                builder.Add(prefix + name + "." + parameterName, parameter, moduleType, parameterName, context);
            }

            // The items of the outermost ModuleList/Sequential are the model's layers (WithLayerwiseDecay numbers them).
            var children = module.named_children().ToList();
            var stack = context.Layer is null && IsLayerStack(moduleType) ? prefix + name : null;
            for (var i = 0; i < children.Count; i++)
            {
                var (childName, child) = children[i];
                var childContext = stack is not null && int.TryParse(childName, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    ? context.EnterLayer(stack, index, children.Count)
                    : context;
                AddModule(builder, prefix + name + ".", childName, child, childContext);
            }
        }

        /// <summary>A <c>Sequential</c> or <c>ModuleList&lt;T&gt;</c> (or a class derived from one): its items are indexed 0, 1, ….</summary>
        private static bool IsLayerStack(Type type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current == typeof(Sequential) || (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(ModuleList<>)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
