#!/usr/bin/env python3
"""Combines OUT/wdgen.json (WdGen.Cuda.Device) and OUT/torch.json (torch_fused_adamw.py) into OUT/results.md.

usage: combine.py OUT WDGEN_EXIT TORCH_EXIT
Standard library only; either JSON file may be missing or partial (a part that failed or timed out): the table then
shows what there is and says what is missing.
"""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, "%s was not written" % os.path.basename(path)
    except (OSError, ValueError) as e:
        return None, "%s could not be read: %s" % (os.path.basename(path), e)


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def fmt(value, digits=3):
    return "-" if value is None else ("%.*f" % (digits, value))


def explain_exit(code):
    code = int(code)
    return {0: "0 (ok)", 1: "1 (a check failed)", 2: "2 (no usable device / not runnable)", 124: "124 (timed out)",
            137: "137 (killed)", -1: "not run"}.get(code, str(code))


def main(argv):
    out, wdgen_rc, torch_rc = argv[0], int(argv[1]), int(argv[2])
    wdgen, wdgen_missing = load(os.path.join(out, "wdgen.json"))
    torch, torch_missing = load(os.path.join(out, "torch.json"))
    env = read_text(os.path.join(out, "env.txt"))
    lines = []
    device = (wdgen or {}).get("device") or (torch or {}).get("device") or "(no device)"
    lines.append("# WdGen CUDA engine vs PyTorch's fused AdamW on %s" % device)
    lines.append("")
    if wdgen and wdgen.get("emulated"):
        lines.append("**EMULATION: WdGen's kernels ran on the CPU; this checks the scripts, its timings mean nothing.**")
        lines.append("")
    lines.append("WdGen.Cuda.Device exit %s; torch_fused_adamw.py exit %s." % (explain_exit(wdgen_rc), explain_exit(torch_rc)))
    lines.append("")

    if wdgen:
        c = wdgen.get("correctness", {})
        if c.get("checks"):
            verdict = "PASSED" if c.get("failed_checks") == 0 and c.get("mismatches") == 0 else "FAILED"
            if wdgen.get("status") == "running":  # killed or timed out mid-way: what it had written
                verdict = "INCOMPLETE (the program did not finish)" + (", no mismatch so far" if verdict == "PASSED" else "")
            lines.append("Correctness, CUDA engine vs CPU engine (float bits of parameters, step counts and every state buffer after every step): "
                         "**%s**: %d checks, %d failed, %s elements compared, %s mismatches." % (
                             verdict, c["checks"], c.get("failed_checks", 0), format(c.get("elements_compared", 0), ","), format(c.get("mismatches", 0), ",")))
            for check in c.get("detail", []):
                if not check.get("passed", True):
                    lines.append("- FAILED %s: %s mismatches%s%s" % (
                        check["name"], format(check.get("mismatches", 0), ","),
                        (" -- " + check["error"]) if check.get("error") else "",
                        ("; first: " + check["first_mismatches"][0]) if check.get("first_mismatches") else ""))
            lines.append("")
        if wdgen.get("reason"):
            lines.append("WdGen: " + wdgen["reason"])
            lines.append("")
        if wdgen.get("benchmark_error"):
            lines.append("WdGen benchmark failed: " + wdgen["benchmark_error"])
            lines.append("")
    else:
        lines.append("WdGen: " + wdgen_missing)
        lines.append("")
    if torch and torch.get("reason"):
        lines.append("PyTorch: " + torch["reason"])
        lines.append("")
    elif not torch:
        lines.append("PyTorch: " + torch_missing)
        lines.append("")

    wrows = {r["key"]: r for r in (wdgen or {}).get("benchmarks", [])}
    trows = {}
    for r in (torch or {}).get("benchmarks", []):
        trows[(r["key"], r["variant"])] = r
    keys = list(wrows) + [k for (k, _) in trows if k not in wrows]
    keys = list(dict.fromkeys(keys)) or ["gpt2", "small10k"]
    labels = {"gpt2": "GPT-2 small", "small10k": "10,000 x 1,000"}

    def torch_ms(key, variant, field):
        r = trows.get((key, variant))
        if r is None:
            return None, "-"
        if r.get("status") != "ok":
            return None, "n/a (%s)" % r.get("status")
        return r[field], fmt(r[field])

    def ratio(a, b):
        return "-" if a is None or b is None or b == 0 else "%.2f" % (a / b)

    for title, field, note in (
            ("Median step", "median_ms", "median of per-step times, each step between two device synchronizations (host launch work included)"),
            ("Loop mean", "loop_ms", "mean over a loop of steps with one synchronization at the end (launches overlap kernels)")):
        lines.append("### %s (AdamW, 28 B/param; %s)" % (title, note))
        lines.append("")
        lines.append("| set | params | tensors | WdGen CUDA ms | GB/s | % of copy | launches/step | PyTorch fused ms | PyTorch foreach ms | fused / WdGen | foreach / WdGen |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key in keys:
            w = wrows.get(key)
            t_any = trows.get((key, "fused")) or trows.get((key, "foreach")) or {}
            fused, fused_text = torch_ms(key, "fused", field)
            foreach, foreach_text = torch_ms(key, "foreach", field)
            ms = w[field] if w else None
            gbps = (w["GBps"] if field == "median_ms" else w["loop_GBps"]) if w else None
            pct = (w["pct_of_copy"] if field == "median_ms" else w["loop_pct_of_copy"]) if w else None
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                (w or t_any).get("label", labels.get(key, key)),
                format((w or t_any).get("params", 0), ","), format((w or t_any).get("tensors", 0), ","),
                fmt(ms), fmt(gbps, 0), fmt(pct, 1), w["launches_per_step"] if w else "-",
                fused_text, foreach_text, ratio(fused, ms), ratio(foreach, ms)))
        lines.append("")
    lines.append("Ratios above 1: WdGen's step is faster. PyTorch's CUDA-event medians are in torch.json (event_median_ms).")
    lines.append("")

    copies = []
    if wdgen and wdgen.get("copy"):
        copies.append("WdGen (cuMemcpyDtoD, %d MiB): %s GB/s median, %s best" % (
            wdgen["copy"]["bytes"] >> 20, fmt(wdgen["copy"]["median_GBps"], 0), fmt(wdgen["copy"]["best_GBps"], 0)))
    if torch and torch.get("copy"):
        copies.append("PyTorch (copy_, %d MiB): %s GB/s median, %s best" % (
            torch["copy"]["bytes"] >> 20, fmt(torch["copy"]["median_GBps"], 0), fmt(torch["copy"]["best_GBps"], 0)))
    if copies:
        lines.append("Device copy bandwidth (device-to-device, 2 x bytes): " + "; ".join(copies) + ".")
        lines.append("")
    notes = [r["note"] for r in (torch or {}).get("benchmarks", []) if r.get("note")]
    for note in dict.fromkeys(notes):
        lines.append("PyTorch note: " + note)
    if notes:
        lines.append("")
    if env:
        lines.append("## Environment")
        lines.append("")
        lines.append("```text")
        lines.append(env)
        lines.append("```")
        lines.append("")
    lines.append("Files: wdgen.md and wdgen.json (every check), torch.json, wdgen.log, torch.log, env.txt.")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
