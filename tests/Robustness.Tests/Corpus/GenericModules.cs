using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Generic
{
    /// <summary>A generic wrapper: the wrapped module's type is a type parameter, so it is resolved at run time.</summary>
    [DecayGroups]
    public sealed partial class Residual<TInner> : nn.Module<Tensor, Tensor>
        where TInner : nn.Module<Tensor, Tensor>
    {
        private readonly TInner inner;
        private readonly LayerNorm norm;
        [Decay(2.0)] private readonly Linear proj;

        public Residual(TInner inner, int width)
            : base("Residual")
        {
            this.inner = inner;
            norm = nn.LayerNorm(width);
            proj = nn.Linear(width, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;
    }

    /// <summary>Generic over a type that is not a module, with two type parameters and a generic method.</summary>
    [DecayGroups]
    public partial class Tagged<TTag, TValue> : nn.Module<Tensor, Tensor>
        where TTag : class
    {
        // Protected: a derived model's generated walk reads its base's fields (it cannot read private ones).
        [NoDecay] protected readonly Linear fc;
        protected readonly Embedding table;
        private readonly Dictionary<TTag, TValue> lookup = new();

        public Tagged(TTag tag)
            : this(tag, register: true)
        {
        }

        /// <summary>TorchSharp registers once: a derived module registers after assigning its own fields.</summary>
        protected Tagged(TTag tag, bool register)
            : base("Tagged")
        {
            Tag = tag;
            fc = nn.Linear(3, 3);
            table = nn.Embedding(5, 3);
            if (register)
            {
                RegisterComponents();
            }
        }

        public TTag Tag { get; }

        public int Count<TOther>(TOther _) => lookup.Count;

        public override Tensor forward(Tensor input) => input;
    }

    /// <summary>A generic model deriving from a closed generic model.</summary>
    [DecayGroups]
    public sealed partial class Derived : Tagged<string, int>
    {
        [Decay] private readonly Linear extra;

        public Derived()
            : base("tag", register: false)
        {
            extra = nn.Linear(3, 1);
            RegisterComponents();
        }
    }

    public static class GenericFactory
    {
        public static object Residual() => new Residual<Linear>(nn.Linear(4, 4), 4);

        public static object Nested() => new Residual<Residual<Linear>>(new Residual<Linear>(nn.Linear(4, 4), 4), 4);

        public static object Tagged() => new Tagged<string, double>("t");

        public static object Derived() => new Derived();
    }
}
