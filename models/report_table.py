#!/usr/bin/env python3
"""Prints models/README.md's metric tables from an eval report (gst-gan eval --out FILE)."""
import json
import sys

CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Boot"]

r = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "models/eval-report.json"))
ref = r["references"]
print(f"Samples per statistic: {r['samples']} (generated with seed {r['seed']}); "
      f"classifier accuracy on them: {ref['classifier_accuracy']:.4f}.\n")
print("| reference (classifier features) | FID | precision | recall |")
print("| --- | --- | --- | --- |")
print(f"| floor: training vs test images | {ref['fid_floor_train_vs_test']:.2f} | "
      f"{ref['precision_train_vs_test']:.3f} | {ref['recall_train_vs_test']:.3f} |")
print(f"| test images blurred (sigma 1) vs test | {ref['fid_blur_sigma1_vs_test']:.2f} | | |")
print()
print("| generator | FID | FID / blur ref. | precision | recall | classes (min-max share) "
      "| memorised | median NN dist. gen / test |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for path, g in r.get("generators", {}).items():
    shares = g["class_fractions"]
    print(f"| `{path}` | {g['fid']:.2f} | {g['fid_over_blur_reference']:.3f} | "
          f"{g['precision']:.3f} | {g['recall']:.3f} | "
          f"{100 * min(shares):.1f}%-{100 * max(shares):.1f}% | "
          f"{100 * g['memorized_fraction']:.2f}% | "
          f"{g['median_nn_distance_generated']:.2f} / {g['median_nn_distance_test']:.2f} |")
print()
for path, g in r.get("generators", {}).items():
    print(f"Class histogram of `{path}`: " + ", ".join(
        f"{c} {100 * f:.1f}%" for c, f in zip(CLASSES, g["class_fractions"])) + ".\n")
d = r.get("detector")
if d:
    print(f"Detector `{d['path']}` ({d['id']}); threshold logit {d['threshold_logit']:.3f} "
          "(1% false positives on the clean validation reals).\n")
    print("| condition | AUC | AP | accuracy (logit 0) | TPR at the 1%-FPR threshold "
          "| FPR there (test reals) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, c in d["conditions"].items():
        print(f"| {name} | {c['auc']:.4f} | {c['ap']:.4f} | {c['accuracy']:.4f} | "
              f"{c['tpr_at_1pct_fpr']:.4f} | {c['fpr_at_threshold']:.4f} |")
