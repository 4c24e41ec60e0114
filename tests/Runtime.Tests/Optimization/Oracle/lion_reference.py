#!/usr/bin/python3
"""A numpy float32 reference for Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
Algorithm 2, "Lion with decoupled weight decay"), written from the paper, not from WdGen's code:

    c_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
    theta_t = theta_{t-1} - eta_t * (sign(c_t) + lambda * theta_{t-1})
            = theta_{t-1} * (1 - eta_t * lambda) - eta_t * sign(c_t)
    m_t     = beta2 * m_{t-1} + (1 - beta2) * g_t

Per-element decay masks weight lambda element by element (theta * (1 - eta * lambda * mask)); maximize negates g first.
Everything is numpy float32, each operator rounding once, in the order written above. Python-side scalars
(1 - beta, 1 - lr*wd, lr*wd) are computed in double and cast to float32 where they meet a tensor, as torch does with
Python floats.

  lion_reference.py probe            print numpy's version
  lion_reference.py step IN OUT      one Lion step for each record of IN (a JSON list), results to OUT

A record: {"lr", "weight_decay", "beta1", "beta2", "maximize", "param", "exp_avg", "grad", "mask" (or null)}.
A result: {"param", "exp_avg", "c", "decayed"}: the new parameter and moment, the interpolation c and the decayed
parameter before the sign step (the caller uses the last two to locate elements whose sign is ambiguous at float32).
"""
import json
import sys

import numpy as np

f32 = np.float32


def lion_step(r):
    p = np.array(r["param"], dtype=f32)
    m = np.array(r["exp_avg"], dtype=f32)
    g = np.array(r["grad"], dtype=f32)
    if r["maximize"]:
        g = -g
    lr, wd = r["lr"], r["weight_decay"]
    beta1, beta2 = r["beta1"], r["beta2"]

    c = f32(beta1) * m + f32(1.0 - beta1) * g
    if wd != 0:
        if r.get("mask") is None:
            decayed = p * f32(1.0 - lr * wd)
        else:
            decayed = p * (f32(1.0) - np.array(r["mask"], dtype=f32) * f32(lr * wd))
    else:
        decayed = p
    new_p = decayed - f32(lr) * np.sign(c)
    new_m = f32(beta2) * m + f32(1.0 - beta2) * g
    for a in (c, decayed, new_p, new_m):
        assert a.dtype == np.float32
    return {"param": new_p.tolist(), "exp_avg": new_m.tolist(), "c": c.tolist(), "decayed": decayed.tolist()}


def main(argv):
    if argv[1] == "probe":
        print(f"numpy {np.__version__}")
    elif argv[1] == "step":
        with open(argv[2]) as f:
            records = json.load(f)
        with open(argv[3], "w") as f:
            json.dump([lion_step(r) for r in records], f)
    else:
        raise SystemExit(f"unknown mode {argv[1]}")


if __name__ == "__main__":
    main(sys.argv)
