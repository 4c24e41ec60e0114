#!/usr/bin/python3
"""Times torch.optim.AdamW on CPU for the parameter set described in a JSON file.

usage: bench_torch.py SHAPES.json ITERATIONS THREADS [MODES]
SHAPES.json: {"shapes": [[...], ...], "decay": [true|false, ...]}
MODES: comma-separated subset of loop,foreach,fused (default: loop,foreach,fused).
Prints one JSON line: {"torch": version, "threads": n, "<mode>_ms": [...] or "<mode>_error": "..."}
(per-step times, timed inside python with time.perf_counter after 2 warm-up steps).
"""
import json
import sys
import time

import torch


def main():
    spec = json.load(open(sys.argv[1]))
    iters, threads = int(sys.argv[2]), int(sys.argv[3])
    modes = (sys.argv[4] if len(sys.argv) > 4 else "loop,foreach,fused").split(",")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = [torch.empty(s).uniform_(-1, 1).requires_grad_(True) for s in spec["shapes"]]
    for p in params:
        p.grad = torch.empty_like(p).uniform_(-1e-2, 1e-2)
    decay = [p for p, d in zip(params, spec["decay"]) if d]
    no_decay = [p for p, d in zip(params, spec["decay"]) if not d]
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for mode in modes:
        kwargs = {"loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[mode]
        groups = [g for g in ({"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}) if g["params"]]
        try:
            opt = torch.optim.AdamW(groups, lr=1e-3, **kwargs)
            for _ in range(2):
                opt.step()
        except Exception as e:  # e.g. 1.13: fused=True is CUDA-only
            out[mode + "_error"] = (type(e).__name__ + ": " + str(e)).splitlines()[0][:160]
            continue
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            opt.step()
            times.append((time.perf_counter() - t0) * 1e3)
        out[mode + "_ms"] = times
        del opt
    print(json.dumps(out))


if __name__ == "__main__":
    main()
