#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An independent check of gan/privacy.h: the RDP of the sampled Gaussian mechanism by numerical
integration of its definition, not by Mironov et al.'s series.

For sampling rate q and noise multiplier sigma, one step's RDP at order a is
    log A_a / (a - 1),  A_a = E_{z ~ N(0, sigma^2)} [ (1 - q + q exp((2z - 1) / (2 sigma^2)))^a ],
the Renyi divergence of the mixture (1 - q) N(0, sigma^2) + q N(1, sigma^2) from N(0, sigma^2)
(Mironov, Talwar and Zhang 2019, theorem 4 and section 3.3). Integrated here with the trapezoid
rule in log space on a grid of sigma/50 over every region the integrand lives in (its mass sits
near 0 and near a; the rule converges geometrically on such smooth, Gaussian-tailed integrands).
Composition over steps and the conversion to (epsilon, delta) are the standard formulas.

Usage: rdp_reference.py Q SIGMA STEPS DELTA [ORDER ...]
Prints JSON: {"rdp": [[order, one step's RDP], ...], "epsilon": e, "order": a}.
Without orders, Opacus's default list (1.1 ... 10.9, 12 ... 63).
"""
import json
import math
import sys


def log_add(a, b):
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = max(a, b), min(a, b)
    return hi + math.log1p(math.exp(lo - hi))


def rdp(q, sigma, order):
    if q == 0:
        return 0.0
    if sigma == 0:
        return math.inf
    h = sigma / 50.0
    lo = -40.0 * sigma - 1.0
    hi = order + 40.0 * sigma + 1.0
    n = int(math.ceil((hi - lo) / h))
    log_norm = -math.log(sigma * math.sqrt(2 * math.pi))
    log_1q = math.log1p(-q) if q < 1 else -math.inf
    log_q = math.log(q)
    terms = []
    for k in range(n + 1):
        z = lo + k * h
        log_ratio = log_add(log_1q, log_q + (2 * z - 1) / (2 * sigma * sigma))
        terms.append(log_norm - z * z / (2 * sigma * sigma) + order * log_ratio)
    top = max(terms)
    # trapezoid: the end points weigh half (they are ~e^-800 of the peak anyway)
    total = sum(math.exp(t - top) for t in terms) - 0.5 * (
        math.exp(terms[0] - top) + math.exp(terms[-1] - top))
    log_a = top + math.log(total) + math.log(h)
    return log_a / (order - 1)


def main():
    q, sigma, steps, delta = (float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]),
                              float(sys.argv[4]))
    orders = [float(a) for a in sys.argv[5:]] or (
        [1 + x / 10.0 for x in range(1, 100)] + [float(a) for a in range(12, 64)])
    one = [(a, rdp(q, sigma, a)) for a in orders]
    best = (math.inf, 0.0)
    for a, r in one:
        eps = steps * r - (math.log(delta) + math.log(a)) / (a - 1) + math.log((a - 1) / a)
        if eps < best[0]:
            best = (max(eps, 0.0), a)
    print(json.dumps({"rdp": one, "epsilon": best[0], "order": best[1]}))


if __name__ == "__main__":
    main()
