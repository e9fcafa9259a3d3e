#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The leave-one-family-out table of models/lofo.sh (issue 27) from its reports.

Each row: the family left out of the detector's training, scored on that family's 1280x720
frames (frame AUC, TPR at 1% FPR, FPR at the default threshold), clean, after JPEG 75, after a
0.5x downscale and through x264 at 2 Mbit/s; then the mean and the worst row; then the same
detectors on the family held out of everything. Usage: python3 models/lofo_table.py runs/lofo
"""
import glob
import json
import os
import sys

CONDITIONS = [("clean", "frame-b"), ("JPEG 75", "frame-c-jpeg75-b"), ("0.5x", "frame-d-half-b")]


def natural(path):
    with open(path) as f:
        report = json.load(f)
    (det,) = report["detectors"].values()
    return det["conditions"]


def cells(conditions, x264):
    out = []
    for _, key in CONDITIONS:
        c = conditions[key]
        out.append((c["auc"], c["tpr_at_1pct_fpr"], c["fpr_default_threshold"]))
    out.append((x264["auc"], x264["tpr_at_1pct_fpr"], x264["fpr_default_threshold"])
               if x264 else (float("nan"),) * 3)
    return out


def row(name, cs):
    return "| %s | %s |" % (name, " | ".join("%.3f / %.2f / %.2f" % c for c in cs))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/lofo"
    x264 = {}
    if os.path.exists(os.path.join(out, "x264.json")):
        with open(os.path.join(out, "x264.json")) as f:
            # By file name: the reports may have moved (runs/lofo -> models/lofo).
            x264 = {os.path.basename(k): v for k, v in json.load(f).get("detectors", {}).items()}
    header = ("| left out | " + " | ".join(n for n, _ in CONDITIONS) + " | x264 2 Mbit/s |\n"
              "|---|" + "---|" * (len(CONDITIONS) + 1))
    for title, suffix in (("its own family", ""), ("the held-out family", "held")):
        rows, names = [], []
        for path in sorted(glob.glob(os.path.join(out, "without-*.json"))):
            family = os.path.basename(path)[len("without-"):-len(".json")]
            held = family.count("-") and family.rsplit("-", 1)[1] == "bilinear"
            if held != bool(suffix):
                continue
            left = family.rsplit("-", 1)[0] if held else family
            det = "without-%s.gan" % left
            group = "bilinear" if held else left
            cs = cells(natural(path), x264.get(det, {}).get(group))
            rows.append(cs)
            names.append(left)
        if not rows:
            continue
        print("Scored on %s (AUC / TPR at 1%% FPR / FPR at default):\n" % title)
        print(header)
        for name, cs in zip(names, rows):
            print(row(name, cs))
        mean = [tuple(sum(r[i][j] for r in rows) / len(rows) for j in range(3))
                for i in range(len(rows[0]))]
        worst = [tuple(min(r[i][0] for r in rows) if j == 0 else
                       (min(r[i][1] for r in rows) if j == 1 else max(r[i][2] for r in rows))
                       for j in range(3)) for i in range(len(rows[0]))]
        print(row("**mean**", mean))
        print(row("**worst**", worst))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
