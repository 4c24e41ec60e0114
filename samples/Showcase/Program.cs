using System;
using WdGen.Showcase;

// The main job: what WdGen does, on a fresh machine, without TorchSharp. `--steps N` sets the timed steps.
var steps = args.Length == 2 && args[0] == "--steps" && int.TryParse(args[1], out var n) && n > 0 ? n : 5;

Console.WriteLine("WdGen showcase: correct weight decay for TorchSharp, shown without TorchSharp");
Console.WriteLine();
Console.WriteLine("1. Decay groups for GPT-2 small (124M parameters), laid out as a TorchSharp port registers it");
var groups = DecayGroupsDemo.Run();
Console.WriteLine();
Console.WriteLine("2. WdGen's fused AdamW on those groups");
FusedEngineDemo.Run(groups, steps);
