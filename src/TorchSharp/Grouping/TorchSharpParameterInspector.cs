using TorchSharp.Modules;
using WdGen.Native;

namespace WdGen
{
    /// <summary>
    /// A parameter's tensor identity: its data address (storage offset included, so two slices of one storage stay
    /// apart), element count and type. TorchSharp lists a tied tensor under two wrappers with two handles, so only
    /// the data tells that they are one tensor.
    /// </summary>
    internal sealed class TorchSharpParameterInspector : IParameterInspector<Parameter>
    {
        public static readonly TorchSharpParameterInspector Instance = new();

        public TensorIdentity Identify(Parameter parameter)
            => TensorIdentity.Of(LibTorchSharp.Data(parameter.Handle), parameter.numel(), (int)parameter.dtype, parameter);

        public bool RequiresGrad(Parameter parameter) => parameter.requires_grad;
    }
}
