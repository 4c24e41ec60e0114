#!/usr/bin/python3
"""PyTorch oracle for WdGen's fused optimizer engine.

  oracle.py probe                     print torch/numpy versions (exit 1 if torch is missing)
  oracle.py run CASES.json OUT.json   run every case of a JSON list through torch.optim, write the results
  oracle.py golden OUTDIR             regenerate the committed golden cases (inputs + torch results)
  oracle.py seed000 OUT.json          the seed-000 example (numpy seed 123, SGD lr 0.1, wd 0 and 1) in float64

A case: {"algorithm": "adamw"|"adam"|"sgd", "steps": N,
         "groups": [{"lr","weight_decay","beta1","beta2","eps","momentum","dampening","nesterov","amsgrad","maximize"}],
         "lr_schedule": [[lr of each group] for each step],
         "params": [{"name","group","shape","init":[...],"mask":[...]|null}],
         "grads": [[[...]|null for each param] for each step]}
A result: {"params": [[...]], "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer": [[...]|null], "step": [int]}.

Per-element decay masks are realised the way a user would without WdGen:
  AdamW: the masked parameter sits in a torch group with weight_decay=0 and the loop does
         p.mul_(1 - lr*wd*mask) before optimizer.step() (decoupled decay commutes with the moment updates);
  Adam/SGD (L2): the masked parameter sits in a group with weight_decay=0 and the loss gains
         0.5*wd*(mask*p**2).sum() (negated when maximizing, because torch adds wd*p after negating the gradient).
Unmasked parameters use torch's own weight_decay. Everything runs single-tensor (foreach=False), float32.
"""
import json
import sys

import numpy as np


def _torch():
    import torch
    torch.set_num_threads(1)
    return torch


def run_case(case):
    torch = _torch()
    algo = case["algorithm"]
    groups = case["groups"]
    params, masks = [], []
    for spec in case["params"]:
        t = torch.tensor(spec["init"], dtype=torch.float32).reshape(spec["shape"]).requires_grad_(True)
        params.append(t)
        masks.append(None if spec.get("mask") is None else
                     torch.tensor(spec["mask"], dtype=torch.float32).reshape(spec["shape"]))
    torch_groups, route = [], []  # route[g] = (index of native torch group, index of manual torch group)
    for g, opts in enumerate(groups):
        native = [params[i] for i, s in enumerate(case["params"]) if s["group"] == g and masks[i] is None]
        manual = [params[i] for i, s in enumerate(case["params"]) if s["group"] == g and masks[i] is not None]
        idx = []
        for members, wd in ((native, opts["weight_decay"]), (manual, 0.0)):
            if not members:
                idx.append(None)
                continue
            d = {"params": members, "lr": opts["lr"], "weight_decay": wd, "maximize": opts["maximize"]}
            if algo == "sgd":
                d.update(momentum=opts["momentum"], dampening=opts["dampening"], nesterov=opts["nesterov"])
            else:
                d.update(betas=(opts["beta1"], opts["beta2"]), eps=opts["eps"], amsgrad=opts["amsgrad"])
            idx.append(len(torch_groups))
            torch_groups.append(d)
        route.append(idx)
    if algo == "adamw":
        opt = torch.optim.AdamW(torch_groups, foreach=False)
    elif algo == "adam":
        opt = torch.optim.Adam(torch_groups, foreach=False)
    else:
        opt = torch.optim.SGD(torch_groups, lr=0.1, foreach=False)

    for step in range(case["steps"]):
        lrs = case["lr_schedule"][step]
        for g, idx in enumerate(route):
            for i in idx:
                if i is not None:
                    opt.param_groups[i]["lr"] = lrs[g]
        loss = None
        for i, spec in enumerate(case["params"]):
            p, mask, opts = params[i], masks[i], groups[spec["group"]]
            p.grad = None
            grad = case["grads"][step][i]
            if grad is None:
                continue
            G = torch.tensor(grad, dtype=torch.float32).reshape(spec["shape"])
            if mask is None or algo == "adamw":
                p.grad = G.clone()
                if mask is not None:
                    with torch.no_grad():
                        p.mul_(1 - lrs[spec["group"]] * opts["weight_decay"] * mask)
            else:
                # quadratic_penalty = 0.5 * wd * penalty_mask * p**2; its gradient is wd*mask*p.
                term = (p * G).sum()
                if opts["weight_decay"] != 0:
                    sign = -1.0 if opts["maximize"] else 1.0
                    term = term + sign * 0.5 * opts["weight_decay"] * (mask * p ** 2).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        opt.step()

    out = {k: [] for k in ("params", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", "step")}
    for p in params:
        st = opt.state.get(p, {})
        out["params"].append(p.detach().reshape(-1).tolist())
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer"):
            v = st.get(k)
            out[k].append(None if v is None else v.detach().reshape(-1).tolist())
        s = st.get("step", 0)
        out["step"].append(int(s.item()) if hasattr(s, "item") else int(s))
    return out


def random_case(rng, algo, name_prefix):
    """A small random case (numpy RNG) for the committed golden files."""
    ngroups = int(rng.integers(1, 3))
    groups = []
    for _ in range(ngroups):
        momentum = float(rng.choice([0.0, 0.9]))
        dampening = 0.0 if momentum == 0 or rng.random() < 0.5 else 0.1
        groups.append(dict(lr=float(rng.uniform(1e-3, 5e-2)), weight_decay=float(rng.choice([0.0, 0.1, 0.01])),
                           beta1=0.9, beta2=0.999, eps=1e-8, momentum=momentum, dampening=dampening,
                           nesterov=bool(momentum > 0 and dampening == 0 and rng.random() < 0.5),
                           amsgrad=bool(rng.random() < 0.5), maximize=bool(rng.random() < 0.3)))
    shapes = [[], [1], [3, 5], [17], [2, 3, 4], [0]]
    params = []
    for i, shape in enumerate(shapes):
        n = int(np.prod(shape)) if shape else 1
        mask = None
        if rng.random() < 0.4:
            mask = rng.choice([0.0, 0.25, 1.0, 0.7], size=n).astype(np.float32).tolist()
        params.append(dict(name=f"{name_prefix}.p{i}", group=int(rng.integers(0, ngroups)), shape=shape,
                           init=rng.standard_normal(n).astype(np.float32).tolist(), mask=mask))
    steps = 4
    grads = [[None if rng.random() < 0.15 else rng.standard_normal(max(1, int(np.prod(p["shape"]))) if p["shape"] != [0] else 0)
              .astype(np.float32).tolist() for p in params] for _ in range(steps)]
    lr_schedule = [[g["lr"] * (1.0 - 0.1 * s) for g in groups] for s in range(steps)]
    return dict(algorithm=algo, steps=steps, groups=groups, lr_schedule=lr_schedule, params=params, grads=grads)


def seed000():
    torch = _torch()
    out = {}
    for wd in (0.0, 1.0):
        np.random.seed(123)
        x = np.random.random((3, 4))
        w = np.random.random((4, 5))
        out["x"], out["w0"] = x.tolist(), w.tolist()
        wt = torch.tensor(w, requires_grad=True)
        opt = torch.optim.SGD([wt], lr=0.1, weight_decay=wd)
        (torch.tensor(x) @ wt).sum().backward()
        opt.step()
        out[f"w_wd{int(wd)}"] = wt.detach().tolist()
    return out


def main(argv):
    mode = argv[1]
    if mode == "probe":
        torch = _torch()
        print(f"torch {torch.__version__} numpy {np.__version__}")
    elif mode == "run":
        with open(argv[2]) as f:
            cases = json.load(f)
        with open(argv[3], "w") as f:
            json.dump([run_case(c) for c in cases], f)
    elif mode == "golden":
        import os
        rng = np.random.default_rng(20240601)
        for algo in ("adamw", "adam", "sgd"):
            for k in range(2):
                case = random_case(rng, algo, f"{algo}{k}")
                case["expected"] = run_case(case)
                with open(os.path.join(argv[2], f"{algo}-{k}.json"), "w") as f:
                    json.dump(case, f, indent=None)
    elif mode == "seed000":
        with open(argv[2], "w") as f:
            json.dump(seed000(), f)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
