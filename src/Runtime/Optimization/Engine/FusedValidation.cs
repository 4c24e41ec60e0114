using System;
using System.Collections.Generic;

namespace WdGen.Optimization.Engine
{
    /// <summary>Input checks shared by the options, the constructor and the step; every message names the culprit.</summary>
    internal static class FusedValidation
    {
        public static double Finite(double value, string name)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite, got {value}.");
            }

            return value;
        }

        public static double NonNegative(double value, string name)
        {
            Finite(value, name);
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 0, got {value}.");
            }

            return value;
        }

        public static double UnitInterval(double value, string name)
        {
            Finite(value, name);
            if (value < 0 || value >= 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1), got {value}.");
            }

            return value;
        }

        public static void Parameters(IReadOnlyList<FusedParameterSpec> specs, int groupCount)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < specs.Count; i++)
            {
                var spec = specs[i] ?? throw new ArgumentException($"Parameter spec {i} is null.", nameof(specs));
                if (string.IsNullOrEmpty(spec.Name))
                {
                    throw new ArgumentException($"Parameter {i} has an empty name.", nameof(specs));
                }

                if (seen.TryGetValue(spec.Name, out var first))
                {
                    var where = specs[first].GroupIndex == spec.GroupIndex
                        ? $"twice in group {spec.GroupIndex}"
                        : $"in groups {specs[first].GroupIndex} and {spec.GroupIndex}";
                    throw new ArgumentException(
                        $"Parameter '{spec.Name}' appears {where} (specs {first} and {i}); each parameter must belong to exactly one group.",
                        nameof(specs));
                }

                seen.Add(spec.Name, i);
                if ((uint)spec.GroupIndex >= (uint)groupCount)
                {
                    throw new ArgumentException(
                        $"Parameter '{spec.Name}' names group {spec.GroupIndex}, but there are {groupCount} groups.", nameof(specs));
                }

                if (spec.Length < 0)
                {
                    throw new ArgumentException($"Parameter '{spec.Name}' has a negative length {spec.Length}.", nameof(specs));
                }

                if (spec.DecayMask is { } mask)
                {
                    Mask(spec.Name, spec.Length, mask);
                }
            }
        }

        public static void Mask(string name, long length, float[] mask)
        {
            if (mask.LongLength != length)
            {
                throw new ArgumentException(
                    $"Parameter '{name}': decay mask has {mask.LongLength} elements but the parameter has {length}.");
            }

            for (long j = 0; j < mask.LongLength; j++)
            {
                if (!float.IsFinite(mask[j]))
                {
                    throw new ArgumentException($"Parameter '{name}': decay mask element {j} is {mask[j]} (must be finite).");
                }
            }
        }

        public static void Length(string name, string what, long expected, long actual)
        {
            if (expected != actual)
            {
                throw new ArgumentException(
                    $"Parameter '{name}': {what} has {actual} elements but the parameter has {expected}.");
            }
        }
    }
}
