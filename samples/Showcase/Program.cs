using System;
using WdGen.Showcase;

Console.WriteLine("WdGen showcase: correct weight decay for TorchSharp, shown without TorchSharp");
Console.WriteLine();
Console.WriteLine("1. Decay groups for GPT-2 small (124M parameters), laid out as a TorchSharp port registers it");
DecayGroupsDemo.Run();
