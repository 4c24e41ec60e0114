using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace WdGen
{
    /// <summary>
    /// Reads a model's members for its <see cref="DecayPlan"/>: the generator only records their names and order
    /// (<see cref="WalkOrderAttribute"/>), so it never binds a type; declared types, WdGen attributes and
    /// <c>[ComponentName]</c> come from the compiled metadata here, the same way for the model and its base classes.
    /// TorchSharp's types are recognized by name, so the runtime does not reference TorchSharp.
    /// </summary>
    internal static class ModelMembers
    {
        private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

        /// <summary>
        /// The members of <paramref name="model"/> that can hold a module or a parameter, in walk order: its own in the
        /// generated order, then each base class's (derived first, as TorchSharp 0.104+ registers them), in the
        /// generated order where the base has one and in metadata order otherwise.
        /// </summary>
        public static List<DecayPlanMember> Read(Type model)
        {
            if (model.GetCustomAttribute<WalkOrderAttribute>(inherit: false) is null)
            {
                throw new ArgumentException(
                    Display(model) + " has no generated walk order: mark it [DecayGroups] and partial so that WdGen generates its plan.",
                    nameof(model));
            }

            var members = new List<DecayPlanMember>();
            for (var type = model; type is not null && type != typeof(object) && !IsTorchSharpType(type); type = type.BaseType)
            {
                var order = type.GetCustomAttribute<WalkOrderAttribute>(inherit: false);
                var declared = order is null
                    ? type.GetFields(Declared).Select(field => (Field: field, Property: PropertyOf(type, field)))
                    : order.Members.Select(name => Find(type, name));
                foreach (var (field, property) in declared)
                {
                    if (Member(type, field, property) is { } member)
                    {
                        members.Add(member);
                    }
                }
            }

            return members;
        }

        /// <summary>The type as C# writes it: <c>ModuleList&lt;Block&gt;</c>.</summary>
        public static string Display(Type type)
        {
            var name = TypeNames.Display(type);
            var tick = type.Name.IndexOf('`');
            if (!type.IsGenericType || tick < 0)
            {
                return name;
            }

            // Only the type's own type arguments: a nested type also carries its containing types' arguments first.
            var own = int.Parse(type.Name.Substring(tick + 1), System.Globalization.CultureInfo.InvariantCulture);
            var arguments = type.GetGenericArguments();
            return name + "<" + string.Join(", ", arguments.Skip(arguments.Length - own).Select(Display)) + ">";
        }

        private static DecayPlanMember? Member(Type owner, FieldInfo field, PropertyInfo? property)
        {
            var kind = Classify(field.FieldType, property is null ? MemberStorage.InstanceField : MemberStorage.AutoProperty, out var layer);
            if (kind is null)
            {
                return null;
            }

            var memberName = property?.Name ?? field.Name;
            var path = TypeNames.Display(owner) + "." + memberName;
            var rule = Has<NoDecayAttribute>(field, property) is not null
                ? DecayRule.NoDecay(path)
                : Has<DecayAttribute>(field, property) is { } decay ? DecayRule.Decay(decay.Scale, decay.IncludeBiases, path) : DecayRule.Default;
            if (Has<LearningRateAttribute>(field, property) is { } learningRate)
            {
                rule = rule.WithLearningRate(learningRate.Scale, path);
            }

            var staticType = kind == DecayPlanMemberKind.Layer ? layer!.Name : Display(field.FieldType);
            return DecayPlanMember.Create(RegisteredName(field), staticType, kind.Value, rule, field);
        }

        /// <summary>How the walk reaches a member of this declared type; null when it cannot hold a module or a parameter (<see cref="ParameterHolders"/> decides).</summary>
        private static DecayPlanMemberKind? Classify(Type type, MemberStorage storage, out TorchSharpLayer? layer)
        {
            layer = null;
            switch (ParameterHolders.Of(storage, KindOf(type), ParameterHolders.BaseOf(MetadataNames(type))))
            {
                case HeldValue.AnyValue:
                    return DecayPlanMemberKind.Value;
                case HeldValue.Parameter:
                    return DecayPlanMemberKind.Parameter;
                case HeldValue.Module:
                    break;
                default:
                    return null;
            }

            if (IsTorchSharpType(type))
            {
                // TorchSharp's own types: the layer table decides, without looking into their members.
                layer = TorchSharpLayers.Find(TypeNames.Metadata(type.IsGenericType ? type.GetGenericTypeDefinition() : type));
                return layer?.Kind switch
                {
                    TorchSharpModuleKind.Layer => DecayPlanMemberKind.Layer,
                    TorchSharpModuleKind.ModuleContainer or TorchSharpModuleKind.ParameterContainer => DecayPlanMemberKind.Container,
                    _ => DecayPlanMemberKind.Module,
                };
            }

            return typeof(IDecayGroupsModel).IsAssignableFrom(type)
                ? DecayPlanMemberKind.DecayGroupsModule
                : DecayPlanMemberKind.Module;
        }

        /// <summary>A declared type in the terms of <see cref="ParameterHolders"/>.</summary>
        private static DeclaredTypeKind KindOf(Type type)
            => type.IsGenericParameter ? DeclaredTypeKind.TypeParameter
                : type == typeof(object) ? DeclaredTypeKind.Object
                : type.IsInterface ? DeclaredTypeKind.Interface
                : type.IsClass && !type.IsArray ? DeclaredTypeKind.Class
                : DeclaredTypeKind.Other;

        /// <summary>The metadata names of a type and its bases, most derived first (generic ones by their definition).</summary>
        private static IEnumerable<string> MetadataNames(Type? type)
        {
            for (; type is not null; type = type.BaseType)
            {
                yield return TypeNames.Metadata(type.IsGenericType ? type.GetGenericTypeDefinition() : type);
            }
        }

        private static (FieldInfo Field, PropertyInfo? Property) Find(Type type, string name)
        {
            if (type.GetField(name, Declared) is { } field)
            {
                return (field, null);
            }

            if (type.GetField("<" + name + ">k__BackingField", Declared) is { } backing)
            {
                return (backing, type.GetProperty(name, Declared));
            }

            throw new InvalidOperationException(
                "The generated walk order of " + Display(type) + " lists '" + name + "', which is not a field or auto-property of it: rebuild the project so that WdGen regenerates it.");
        }

        /// <summary>The auto-property a compiler-generated backing field belongs to.</summary>
        private static PropertyInfo? PropertyOf(Type type, FieldInfo field)
            => field.Name.StartsWith("<", StringComparison.Ordinal) && field.Name.EndsWith(">k__BackingField", StringComparison.Ordinal)
                ? type.GetProperty(field.Name.Substring(1, field.Name.Length - "<>k__BackingField".Length), Declared)
                : null;

        /// <summary>An attribute on the field, or on the auto-property whose backing field it is.</summary>
        private static TAttribute? Has<TAttribute>(FieldInfo field, PropertyInfo? property)
            where TAttribute : Attribute
            => field.GetCustomAttribute<TAttribute>() ?? property?.GetCustomAttribute<TAttribute>();

        /// <summary>The name TorchSharp registers the field under: its <c>[ComponentName(Name = …)]</c>, or the field's name.</summary>
        private static string RegisteredName(FieldInfo field)
        {
            foreach (var attribute in field.GetCustomAttributesData())
            {
                if (TypeNames.Metadata(attribute.AttributeType) == TorchSharpLayers.ComponentNameAttributeMetadataName)
                {
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.MemberName == "Name" && named.TypedValue.Value is string { Length: > 0 } name)
                        {
                            return name;
                        }
                    }
                }
            }

            return field.Name;
        }

        private static bool IsTorchSharpType(Type type) => type.Assembly.GetName().Name == "TorchSharp";
    }
}
