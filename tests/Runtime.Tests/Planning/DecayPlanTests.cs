using System;
using Xunit;

namespace WdGen.Runtime.Tests.Planning
{
    /// <summary>The runtime's side of the generated code: the walk order it records and what happens without it.</summary>
    public sealed class DecayPlanTests
    {
        [Fact]
        public void The_walk_order_is_one_space_separated_string_of_member_names()
        {
            Assert.Equal(new[] { "wte", "blocks", "ln_f" }, new WalkOrderAttribute("wte blocks ln_f").Members);
            Assert.Empty(new WalkOrderAttribute(string.Empty).Members);
        }

        [Fact]
        public void A_class_that_implements_the_marker_by_hand_is_refused_by_name()
        {
            var error = Assert.Throws<ArgumentException>(() => DecayPlan.OfModel(new HandMade()));
            Assert.Contains(nameof(HandMade), error.Message, StringComparison.Ordinal);
            Assert.Contains("[DecayGroups] and partial", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_member_made_by_hand_has_no_field_to_read()
        {
            var member = DecayPlanMember.Module("encoder", "Encoder");
            var error = Assert.Throws<InvalidOperationException>(() => member.ValueOf(new HandMade()));
            Assert.Contains("'encoder'", error.Message, StringComparison.Ordinal);
        }

        private sealed class HandMade : IDecayGroupsModel
        {
        }
    }
}
