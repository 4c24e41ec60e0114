#!/usr/bin/env python3
"""PyTorch's own AdamW on CUDA, fused=True and foreach=True, on the tensor shapes WdGen.Cuda.Device times.

usage: torch_fused_adamw.py --out DIR [--quick] [--steps N] [--device cuda|cpu] [--tiny]

Sets (the same as tests/Benchmarks/ParameterSets.cs): GPT-2 small (124,439,808 parameters in 148 tensors; rank >= 2
tensors take weight decay 0.1, the rest none; lr 6e-4) and 10,000 tensors of 40 x 25 (all with decay).
Per variant: 3 warm-up steps (the first creates the state), then N steps each timed with CUDA events and with a
wall clock around step() + torch.cuda.synchronize() (the median of the latter is comparable with WdGen's median), then
a loop of N steps with one synchronize (mean). GB/s at 28 bytes per parameter (read p, g, m, v; write p, m, v).
Also the device's copy bandwidth as PyTorch sees it (b.copy_(a) of 1 GiB, counted as 2 x bytes; median of trials of 5 copies).
Writes DIR/torch.json and prints a table. Pure PyTorch + the standard library.

Exit codes: 0 measured (a variant this torch lacks, e.g. fused=True before torch 2.0, is noted, not fatal);
1 a variant failed while running; 2 no PyTorch or no CUDA device for it (one clear line).
--device cpu and --tiny exist to check this script on a machine without a GPU; they measure nothing of interest.
"""
import argparse
import json
import os
import statistics
import sys
import time

BYTES_PER_PARAM = 28


def gpt2_small(layers=12, vocab=50257, context=1024, d=768):
    shapes = [("wte", (vocab, d)), ("wpe", (context, d))]
    for i in range(layers):
        h = "h.%d." % i
        shapes += [
            (h + "ln_1.weight", (d,)), (h + "ln_1.bias", (d,)),
            (h + "attn.c_attn.weight", (d, 3 * d)), (h + "attn.c_attn.bias", (3 * d,)),
            (h + "attn.c_proj.weight", (d, d)), (h + "attn.c_proj.bias", (d,)),
            (h + "ln_2.weight", (d,)), (h + "ln_2.bias", (d,)),
            (h + "mlp.c_fc.weight", (d, 4 * d)), (h + "mlp.c_fc.bias", (4 * d,)),
            (h + "mlp.c_proj.weight", (4 * d, d)), (h + "mlp.c_proj.bias", (d,)),
        ]
    shapes += [("ln_f.weight", (d,)), ("ln_f.bias", (d,))]
    return shapes


def small_tensors(count):
    return [("t%d" % i, (40, 25)) for i in range(count)]


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def median(values):
    return statistics.median(values) if values else float("nan")


def write_json(out, result):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "torch.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


def copy_bandwidth(torch, device, trials):
    nbytes = (1 << 30) if device == "cuda" else (64 << 20)
    a = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    sync(torch, device)
    times = []
    for _ in range(trials):  # as WdGen.Cuda.Device: 5 back-to-back copies, one synchronize
        t0 = time.perf_counter()
        for _ in range(5):
            b.copy_(a)
        sync(torch, device)
        times.append((time.perf_counter() - t0) * 1e3 / 5)
    del a, b
    ms = median(times)
    return {"bytes": nbytes, "trials": trials, "median_ms": round(ms, 4), "median_GBps": round(2 * nbytes / (ms * 1e-3) / 1e9, 1),
            "best_GBps": round(2 * nbytes / (min(times) * 1e-3) / 1e9, 1)}


def sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_variant(torch, device, params, decay, variant, steps):
    """Times one optimizer construction; returns a result dict (status ok / unavailable / error)."""
    kwargs = {"fused": True} if variant == "fused" else {"foreach": True}
    groups = [g for g in ({"params": decay[0], "weight_decay": 0.1}, {"params": decay[1], "weight_decay": 0.0}) if g["params"]]
    try:
        opt = torch.optim.AdamW(groups, lr=6e-4, **kwargs)
    except (TypeError, RuntimeError, ValueError) as e:
        return {"status": "unavailable", "note": "torch %s: AdamW(%s) is not available: %s" % (
            torch.__version__, ", ".join("%s=True" % k for k in kwargs), str(e).splitlines()[0] if str(e) else type(e).__name__)}
    try:
        for _ in range(3):
            opt.step()
        sync(torch, device)
        wall, events = [], []
        for _ in range(steps):
            if device == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                t0 = time.perf_counter()
                start.record()
                opt.step()
                end.record()
                torch.cuda.synchronize()
                wall.append((time.perf_counter() - t0) * 1e3)
                events.append(start.elapsed_time(end))
            else:
                t0 = time.perf_counter()
                opt.step()
                wall.append((time.perf_counter() - t0) * 1e3)
        sync(torch, device)
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.step()
        sync(torch, device)
        loop = (time.perf_counter() - t0) * 1e3 / steps
    except (RuntimeError, TypeError, ValueError) as e:
        return {"status": "error", "note": "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")}
    finally:
        del opt
        if device == "cuda":
            torch.cuda.empty_cache()
    result = {"status": "ok", "steps": steps, "median_ms": round(median(wall), 4), "min_ms": round(min(wall), 4), "loop_ms": round(loop, 4)}
    if events:
        result["event_median_ms"] = round(median(events), 4)
    return result


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--tiny", action="store_true", help="small shapes (a check of this script, not a measurement)")
    args = parser.parse_args(argv)
    steps = args.steps or (20 if args.quick or args.tiny else 50)
    result = {"tool": "torch_fused_adamw.py", "status": "running", "device_kind": args.device, "python": sys.version.split()[0]}

    try:
        import torch
    except ImportError as e:
        line = "torch_fused_adamw.py: PyTorch is not installed for %s (%s)" % (sys.executable, e)
        print(line, file=sys.stderr)
        result.update(status="no-torch", reason=line)
        write_json(args.out, result)
        return 2

    result.update(torch=torch.__version__, cuda=torch.version.cuda)
    if args.device == "cuda" and not torch.cuda.is_available():
        line = ("torch_fused_adamw.py: torch.cuda.is_available() is False (torch %s, built for CUDA %s): PyTorch sees no usable CUDA device"
                % (torch.__version__, torch.version.cuda))
        print(line, file=sys.stderr)
        result.update(status="no-device", reason=line)
        write_json(args.out, result)
        return 2

    result["device"] = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    torch.manual_seed(0)
    if args.tiny:
        sets = [("gpt2", "GPT-2 mini (1 block, vocab 2000)", gpt2_small(layers=1, vocab=2000, context=256)),
                ("small10k", "100 x 1,000", small_tensors(100))]
    else:
        sets = [("gpt2", "GPT-2 small", gpt2_small()), ("small10k", "10,000 x 1,000", small_tensors(10000))]
        assert sum(numel(s) for _, s in sets[0][2]) == 124439808 and len(sets[0][2]) == 148

    print("torch %s (CUDA %s) on %s, %d timed steps per variant" % (torch.__version__, torch.version.cuda, result["device"], steps), flush=True)
    result["copy"] = copy_bandwidth(torch, args.device, 10 if args.quick else 20)
    print("copy bandwidth (b.copy_(a), %d MiB, 2 x bytes): %.0f GB/s" % (result["copy"]["bytes"] >> 20, result["copy"]["median_GBps"]), flush=True)
    rows, failed = [], False
    header = "| set | params | tensors | variant | median ms | event ms | min ms | loop ms | GB/s |"
    print(header)
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for key, label, shapes in sets:
        params = [torch.empty(shape, device=args.device).normal_(0, 0.02).requires_grad_(True) for _, shape in shapes]
        for p in params:
            p.grad = torch.empty_like(p).normal_(0, 1e-3)
        decay = ([p for p in params if p.dim() >= 2], [p for p in params if p.dim() < 2])
        total = sum(p.numel() for p in params)
        for variant in ("fused", "foreach"):
            row = {"key": key, "label": label, "params": total, "tensors": len(params), "variant": variant}
            row.update(time_variant(torch, args.device, params, decay, variant, steps))
            if row["status"] == "ok":
                row["GBps"] = round(BYTES_PER_PARAM * total / (row["median_ms"] * 1e-3) / 1e9, 1)
                row["loop_GBps"] = round(BYTES_PER_PARAM * total / (row["loop_ms"] * 1e-3) / 1e9, 1)
                print("| %s | %s | %s | %s | %.3f | %s | %.3f | %.3f | %.0f |" % (
                    label, format(total, ","), format(len(params), ","), variant, row["median_ms"],
                    "%.3f" % row["event_median_ms"] if "event_median_ms" in row else "-", row["min_ms"], row["loop_ms"], row["GBps"]), flush=True)
            else:
                failed = failed or row["status"] == "error"
                print("| %s | %s | %s | %s | %s: %s |||||" % (label, format(total, ","), format(len(params), ","), variant, row["status"], row["note"]), flush=True)
            rows.append(row)
            result["benchmarks"] = rows
            write_json(args.out, result)
        del params, decay
        if args.device == "cuda":
            torch.cuda.empty_cache()

    result["status"] = "failed" if failed else "passed"
    result["benchmarks"] = rows
    write_json(args.out, result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
