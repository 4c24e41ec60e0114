using System;
using System.Collections.Generic;
using System.Linq;

namespace WdGen.Showcase
{
    /// <summary>
    /// Part 1: WdGen's policy and validation on GPT-2 small's real layout. Generated code does this walk for a
    /// TorchSharp model; here the layout is described by name, so it runs without TorchSharp.
    /// </summary>
    internal static class DecayGroupsDemo
    {
        public static DecayGroups<HostParameter> Run()
        {
            var slots = Gpt2Layout.Slots();
            var parameters = new Dictionary<string, HostParameter>();
            foreach (var slot in slots)
            {
                parameters[slot.Name] = slot.TiedTo is null ? new HostParameter(slot.Name, slot.Elements) : parameters[slot.TiedTo].Tie(slot.Name);
            }

            // TorchSharp lists the tied head twice (two wrappers, one tensor): what named_parameters() returns.
            var registered = slots.Select(s => (s.Name, parameters[s.Name])).ToList();

            Console.WriteLine("By default the output head decays (a Linear weight) while the embedding it shares does not.");
            Console.WriteLine("WdGen refuses to guess, and says which paths disagree and how to resolve it:");
            try
            {
                Build(slots, parameters, registered, headRule: DecayContext.Root);
            }
            catch (DecayGroupsException error)
            {
                Console.WriteLine(Indent(error.Message));
            }

            Console.WriteLine();
            Console.WriteLine("With [NoDecay] on lm_head (the fix the message names):");
            var groups = Build(slots, parameters, registered, headRule: DecayContext.Root.WithNoDecay("Gpt2.lm_head"));
            Console.WriteLine(Indent(Condense(groups.ToString())));
            Console.WriteLine(
                "  " + groups.Entries.Count + " tensors for " + registered.Count + " registered names ('lm_head.weight' is the tied 'wte.weight', listed once);"
                + " optimizer param groups: " + string.Join(", ", groups.ScaledGroups.Select(g => g.Entries.Count + (g.Scale == 0 ? " without decay" : " at decay ×" + g.Scale))) + ".");
            return groups;
        }

        private static DecayGroups<HostParameter> Build(
            IReadOnlyList<Gpt2Layout.Slot> slots,
            IReadOnlyDictionary<string, HostParameter> parameters,
            List<(string, HostParameter)> registered,
            DecayContext headRule)
        {
            var builder = new DecayGroupsBuilder<HostParameter>("Gpt2", HostParameter.Inspector.Instance);
            foreach (var slot in slots)
            {
                var context = slot.Name.StartsWith("lm_head.", StringComparison.Ordinal) ? headRule : DecayContext.Root;
                builder.Add(slot.Name, parameters[slot.Name], slot.Owner, slot.LocalName, context);
            }

            return builder.Build(registered);
        }

        /// <summary>Keeps the header, the first block and the tail of the 148-row table.</summary>
        private static string Condense(string table)
        {
            var lines = table.TrimEnd('\n').Split('\n');
            var kept = new List<string>();
            var elided = 0;
            foreach (var line in lines)
            {
                var isLaterBlock = line.StartsWith("h.", StringComparison.Ordinal) && !line.StartsWith("h.0.", StringComparison.Ordinal);
                if (isLaterBlock)
                {
                    elided++;
                    continue;
                }

                if (elided > 0)
                {
                    kept.Add("… " + elided + " rows of blocks h.1 to h.11, decided like h.0 …");
                    elided = 0;
                }

                kept.Add(line);
            }

            return string.Join("\n", kept);
        }

        private static string Indent(string text) => "  " + text.Replace("\n", "\n  ");
    }
}
