#!/usr/bin/env python3
"""Prints models/README.md's natural-detector table from gst-gan eval --natural-detector's
report (models/eval-natural-report.json), with the pipeline rows of models/eval_pipeline.py's
report (models/eval-pipeline-report.json) when it exists."""
import json
import os
import sys

ORDER = ["a", "b", "c-jpeg75-a", "c-jpeg75-b", "d-half-a", "d-half-b"]
path = sys.argv[1] if len(sys.argv) > 1 else "models/eval-natural-report.json"
r = json.load(open(path))
models = [(d["id"], d) for d in r.get("detectors", {}).values()]
if "spectral_baseline" in r:
    models.append(("spectral baseline", r["spectral_baseline"]))
print("| condition | unit | model | AUC | AP | TPR at 1% FPR | FPR at default | TPR at default |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for cond in ORDER:
    for unit in ("patch", "frame"):
        for name, d in models:
            c = d["conditions"][f"{unit}-{cond}"]
            print(f"| {cond} | {unit} | {name} | {c['auc']:.4f} | {c['ap']:.4f} | "
                  f"{c['tpr_at_1pct_fpr']:.4f} | {c['fpr_default_threshold']:.4f} | "
                  f"{c['tpr_default_threshold']:.4f} |")
pipeline = os.path.join(os.path.dirname(path), "eval-pipeline-report.json")
if os.path.exists(pipeline):
    p = json.load(open(pipeline))
    print()
    print("| condition | model | AUC | AP | TPR at 1% FPR | FPR at default | TPR at default | frames (real / fake) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for key in ("e-pipeline-a", "e-pipeline-b"):
        c = p[key]
        print(f"| {key[-1]} via vp8enc 2 Mbit/s | gandetect (natural detector) | {c['auc']:.4f} | "
              f"{c['ap']:.4f} | {c['tpr_at_1pct_fpr']:.4f} | {c['fpr_default_threshold']:.4f} | "
              f"{c['tpr_default_threshold']:.4f} | {c['reals']} / {c['fakes']} |")
