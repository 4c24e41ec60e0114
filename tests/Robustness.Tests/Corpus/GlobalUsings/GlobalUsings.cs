global using TorchSharp;
global using TorchSharp.Modules;
global using WdGen;
global using static TorchSharp.torch;
global using Scaled = WdGen.DecayAttribute;
