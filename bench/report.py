#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns the JSON lines bench/speed.sh collects into the tables bench/README.md shows."""
import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    peak = {r["threads"]: r["gflops"] for r in rows if r["bench"] == "peak"}
    # The reference BLAS run: its sgemm (oneDNN's convolutions do not go through the BLAS).
    peak_ref = {r["threads"]: r.get("blas_gflops", r["gflops"]) for r in rows
                if r["bench"] == "peak-reference-blas"}
    blas = next((r["blas"] for r in rows if r["bench"] == "peak"), "?")

    detail = {r["threads"]: r for r in rows if r["bench"] == "peak"}
    print("## 1. Peak: float32, best of 5\n")
    print(f"BLAS: {blas}. The limit is the best of OpenBLAS's sgemm (1024^3) and two oneDNN "
          "convolutions (channels-last 1x1 and 3x3, batch 64/16): oneDNN uses this CPU's "
          "AVX-512, OpenBLAS 0.3.21 its Haswell (AVX2) kernels.\n")
    print("| threads | limit GFLOP/s | OpenBLAS sgemm | oneDNN 1x1 conv | oneDNN 3x3 conv | "
          "reference BLAS sgemm (512^3) |")
    print("|---|---|---|---|---|---|")
    for t in sorted(peak):
        d = detail[t]
        ref = peak_ref.get(t)
        print(f"| {t} | {peak[t]:.1f} | {d.get('blas_gflops', 0):.1f} | "
              f"{d.get('onednn_1x1_gflops', 0):.1f} | {d.get('onednn_3x3_gflops', 0):.1f} | "
              + (f"{ref:.1f} |" if ref else "- |"))

    infer = {}
    flops = {}
    for r in rows:
        if r["bench"] == "infer":
            infer[(r["part"], r["batch"], r["threads"], r["impl"])] = r["images_per_second"]
            if "flops_per_image" in r:
                flops[r["part"]] = r["flops_per_image"]
    print("\n## 2. Inference: C++ core vs Python PyTorch (images/s, same weights, equal threads)\n")
    print("`core`: the runtime the elements use (inference mode, BatchNorm folded, projection "
          "first layer, channels-last convolutions); `plain C++`: the trained LibTorch modules "
          "under no_grad; `Python`: the same architecture in eager PyTorch (no_grad).\n")
    print("| network | batch | threads | core | plain C++ | Python | core / Python | "
          "plain / Python | core GFLOP/s | of peak |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (part, batch, threads, impl) in sorted(k for k in infer if k[3] == "cpp"):
        core = infer[(part, batch, threads, "cpp")]
        plain = infer.get((part, batch, threads, "cpp-plain"), 0)
        py = infer.get((part, batch, threads, "python"), 0)
        gflops = core * flops.get(part, 0) / 1e9
        limit = peak.get(threads, 0)
        print(f"| {part} | {batch} | {threads} | {core:.0f} | {plain:.0f} | {py:.0f} | "
              f"{core / py:.2f}x | {plain / py:.2f}x | {gflops:.1f} | "
              f"{100 * gflops / limit:.0f}% |" if py and limit else
              f"| {part} | {batch} | {threads} | {core:.0f} | {plain:.0f} | - | - | - | - | - |")
    for part, f in sorted(flops.items()):
        print(f"\n{part}: {f / 1e6:.1f} MFLOP per image (conv, transposed conv, linear)", end="")
    print()

    train = {(r["impl"], r["threads"]): r["images_per_second"] for r in rows
             if r["bench"] == "train"}
    print("\n## 3. DCGAN training, batch 64 (images/s)\n")
    print("| threads | gst-gan train (C++) | plain Python PyTorch loop | C++ / Python |")
    print("|---|---|---|---|")
    for t in (1, 2):
        c, p = train.get(("cpp", t)), train.get(("python", t))
        if c and p:
            print(f"| {t} | {c:.1f} | {p:.1f} | {c / p:.2f}x |")

    print("\n## 5. Threads and BLAS\n")
    print("| what | measured | ratio |")
    print("|---|---|---|")
    if ("cpp", 1) in train and ("cpp", 2) in train:
        print(f"| training, 2 vs 1 intra-op threads (OpenBLAS at 1) | "
              f"{train[('cpp', 2)]:.1f} vs {train[('cpp', 1)]:.1f} img/s | "
              f"{train[('cpp', 2)] / train[('cpp', 1)]:.2f}x |")
    if ("cpp-reference-blas", 2) in train and ("cpp", 2) in train:
        print(f"| training with the reference BLAS vs OpenBLAS (2 threads) | "
              f"{train[('cpp-reference-blas', 2)]:.1f} vs {train[('cpp', 2)]:.1f} img/s | "
              f"{train[('cpp-reference-blas', 2)] / train[('cpp', 2)]:.2f}x |")
    for part in ("generator", "detector"):
        for batch in (1, 64):
            one = infer.get((part, batch, 1, "cpp"))
            two = infer.get((part, batch, 2, "cpp"))
            if one and two:
                print(f"| {part} inference batch {batch}, 2 vs 1 threads | "
                      f"{two:.0f} vs {one:.0f} img/s | {two / one:.2f}x |")
    over = infer.get(("generator", 1, 2, "python-openblas2"))
    base = infer.get(("generator", 1, 1, "python"))
    if over and base:
        print(f"| Python generator batch 1: ATen 2 + OpenBLAS 2 threads vs 1 + 1 | "
              f"{over:.0f} vs {base:.0f} img/s | {over / base:.2f}x |")
    if 1 in detail and 1 in peak_ref:
        ob = detail[1].get("blas_gflops", peak[1])
        print(f"| sgemm, reference BLAS vs OpenBLAS (1 thread) | "
              f"{peak_ref[1]:.1f} vs {ob:.1f} GFLOP/s | {peak_ref[1] / ob:.3f}x |")


if __name__ == "__main__":
    main(sys.argv[1])
