using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Vision
{
    /// <summary>
    /// A small ResNet: a stem, two residual blocks and a linear classifier. Every convolution sits with its
    /// BatchNorm2d inside an unnamed <c>nn.Sequential</c>, so their parameters are called "stem.0.weight",
    /// "blocks.1.body.4.bias", …: a rule by name cannot tell a conv weight from a BatchNorm scale (seed 001).
    /// WdGen decides by layer type: Conv2d and Linear weights decay; BatchNorm2d parameters and biases do not.
    /// </summary>
    [DecayGroups]
    public sealed partial class ResNetLite : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential stem;
        private readonly ModuleList<ResidualBlock> blocks;
        private readonly Linear head;

        public ResNetLite(int classes, int width = 16)
            : base(nameof(ResNetLite))
        {
            stem = nn.Sequential(
                nn.Conv2d(3, width, 3, padding: 1, bias: false),
                nn.BatchNorm2d(width),
                nn.ReLU());
            blocks = nn.ModuleList(
                new ResidualBlock(width, width, stride: 1),
                new ResidualBlock(width, 2 * width, stride: 2));
            head = nn.Linear(2 * width, classes);
            RegisterComponents();
            KeptScalars.WithoutBatchCounters(this); // TorchSharp's BatchNorm counter and its temporary Scalar (see KeptScalars)
        }

        public override Tensor forward(Tensor input)
        {
            var x = stem.call(input);
            foreach (var block in blocks)
            {
                x = block.call(x);
            }

            // Global average pooling over height and width, then the classifier.
            return head.call(x.mean(new long[] { 2, 3 }));
        }
    }

    /// <summary>conv-bn-relu-conv-bn plus a projection shortcut (1×1 conv + bn), then relu.</summary>
    public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential body;
        private readonly Sequential shortcut;
        private readonly ReLU act;

        public ResidualBlock(int inChannels, int outChannels, int stride)
            : base(nameof(ResidualBlock))
        {
            body = nn.Sequential(
                nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false),
                nn.BatchNorm2d(outChannels),
                nn.ReLU(),
                nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false),
                nn.BatchNorm2d(outChannels));
            shortcut = nn.Sequential(
                nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false),
                nn.BatchNorm2d(outChannels));
            act = nn.ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => act.call(body.call(input).add(shortcut.call(input), KeptScalars.One));
    }
}
