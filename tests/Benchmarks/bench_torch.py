#!/usr/bin/python3
"""Times torch.optim.AdamW (for-loop and foreach) on CPU for the parameter set described in a JSON file.

usage: bench_torch.py SHAPES.json ITERATIONS THREADS
SHAPES.json: {"shapes": [[...], ...], "decay": [true|false, ...]}
Prints one JSON line: {"torch": version, "loop_ms": [...], "foreach_ms": [...]} (per-step times, timed inside python).
"""
import json
import sys
import time

import torch


def main():
    spec = json.load(open(sys.argv[1]))
    iters, threads = int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = [torch.empty(s).uniform_(-1, 1).requires_grad_(True) for s in spec["shapes"]]
    for p in params:
        p.grad = torch.empty_like(p).uniform_(-1e-2, 1e-2)
    decay = [p for p, d in zip(params, spec["decay"]) if d]
    no_decay = [p for p, d in zip(params, spec["decay"]) if not d]
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for name, foreach in (("loop_ms", False), ("foreach_ms", True)):
        groups = [g for g in ({"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}) if g["params"]]
        opt = torch.optim.AdamW(groups, lr=1e-3, foreach=foreach)
        for _ in range(2):
            opt.step()
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            opt.step()
            times.append((time.perf_counter() - t0) * 1e3)
        out[name] = times
        del opt
    print(json.dumps(out))


if __name__ == "__main__":
    main()
