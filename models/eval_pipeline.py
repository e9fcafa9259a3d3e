#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Frames through a real GStreamer pipeline (issue 15's condition (e), issue 27's x264 rows).

Real clips pan slowly across the test photos (never trained or calibrated on; the validation
photos where the manifest has no test split); fake clips are gangen's
frames of each generator given. Every clip is 1280x720, encoded at 2 Mbit/s (vp8enc into WebM,
or x264enc into Matroska), decoded, and scored by gandetect (its defaults: the shipped natural
detector, native-resolution tiles; or each --detector in turn, on the same clips). Prints AUC,
AP, TPR at the 1%-FPR threshold (of these reals) and the rates at gandetect's default
threshold, per detector and fake group, and writes them as JSON.

Usage (from the source tree, after a build):
  GST_PLUGIN_PATH=build/plugin python3 models/eval_pipeline.py \\
      --photos models/natural-photos.tsv --family models/natural-field.gan \\
      --held-out models/natural-heldout.gan --out models/eval-pipeline-report.json
  ... --encoder x264 --detector a.gan --detector b.gan \\
      --group transposed=models/zoo/transposed-k4.gan,models/zoo/transposed-k3.gan ...
"""
import argparse
import csv
import json
import os
import sys
import tempfile

import gi
import numpy as np

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

W, H, FPS = 1280, 720, 30


def run(description, on_message=None, timeout_s=600):
    pipeline = Gst.parse_launch(description)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while True:
            msg = bus.timed_pop_filtered(
                timeout_s * Gst.SECOND,
                Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.ELEMENT)
            if msg is None:
                raise RuntimeError("timed out: " + description)
            if msg.type == Gst.MessageType.ERROR:
                err, debug = msg.parse_error()
                raise RuntimeError("%s (%s): %s" % (err.message, debug, description))
            if msg.type == Gst.MessageType.EOS:
                return
            if on_message:
                on_message(msg.get_structure())
    finally:
        pipeline.set_state(Gst.State.NULL)


def decode_photo(path, height):
    """The photo as an RGB array scaled to `height` rows (aspect kept)."""
    pipeline = Gst.parse_launch(
        'filesrc location="%s" ! decodebin ! videoconvert ! videoscale ! '
        "video/x-raw,format=RGB,height=%d,pixel-aspect-ratio=1/1 ! appsink name=sink sync=false"
        % (path, height))
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    sample = sink.emit("try-pull-sample", 60 * Gst.SECOND)
    pipeline.set_state(Gst.State.NULL)
    if sample is None:
        raise RuntimeError("could not decode " + path)
    caps = sample.get_caps().get_structure(0)
    w, h = caps.get_value("width"), caps.get_value("height")
    buf = sample.get_buffer()
    ok, info = buf.map(Gst.MapFlags.READ)
    stride = len(info.data) // h
    rows = np.frombuffer(info.data, np.uint8).reshape(h, stride)[:, : 3 * w]
    image = rows.reshape(h, w, 3).copy()
    buf.unmap(info)
    return image


ENCODERS = {
    "vp8": "vp8enc target-bitrate=2000000 deadline=1 keyframe-max-dist=60 ! webmmux",
    "x264": "x264enc bitrate=2000 speed-preset=veryfast key-int-max=60 ! matroskamux",
}


def encode_real_clip(photo, frames, out_path, encoder, speed=4):
    """A slow pan (speed pixels per frame) across the photo, encoded at 2 Mbit/s."""
    ph, pw, _ = photo.shape
    src = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=RGB,width=%d,height=%d,"
        "framerate=%d/1 ! videoconvert ! %s ! filesink location=%s"
        % (W, H, FPS, ENCODERS[encoder], out_path))
    appsrc = src.get_by_name("src")
    src.set_state(Gst.State.PLAYING)
    span_x, span_y = max(0, pw - W), max(0, ph - H)
    for i in range(frames):
        x = (i * speed) % (2 * span_x) if span_x else 0
        x = 2 * span_x - x if x > span_x else x
        y = span_y // 2
        frame = np.ascontiguousarray(photo[y : y + H, x : x + W])
        buf = Gst.Buffer.new_wrapped(frame.tobytes())
        buf.pts = i * Gst.SECOND // FPS
        buf.duration = Gst.SECOND // FPS
        appsrc.emit("push-buffer", buf)
    appsrc.emit("end-of-stream")
    bus = src.get_bus()
    msg = bus.timed_pop_filtered(600 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    src.set_state(Gst.State.NULL)
    if msg is None or msg.type == Gst.MessageType.ERROR:
        raise RuntimeError("encoding the real clip failed")


def encode_fake_clip(model, seed, frames, out_path, encoder):
    run("gangen model=%s seed=%d num-buffers=%d drift-speed=4 ! video/x-raw,width=%d,height=%d,"
        "framerate=%d/1 ! videoconvert ! %s ! filesink location=%s"
        % (model, seed, frames, W, H, FPS, ENCODERS[encoder], out_path))


def score_clip(path, detector=None):
    logits = []

    def on_message(s):
        if s.get_name() == "gandetect":
            logits.append(s.get_value("logit"))

    model = ' model="%s"' % detector if detector else ""
    run("filesrc location=%s ! decodebin ! videoconvert ! gandetect%s ! fakesink"
        % (path, model), on_message)
    return logits


def rates(real, fake):
    real, fake = np.asarray(real), np.asarray(fake)
    both = np.concatenate([real, fake])
    order = both.argsort(kind="mergesort")
    ranks = np.empty(len(both))
    sorted_vals = both[order]
    i = 0
    while i < len(both):  # average ranks of ties
        j = i
        while j + 1 < len(both) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    nf, nr = len(fake), len(real)
    auc = (ranks[nr:].sum() - nf * (nf + 1) / 2) / (nf * nr)
    desc = order[::-1]
    hits, ap = 0, 0.0
    for seen, k in enumerate(desc, 1):
        if k >= nr:
            hits += 1
            ap += hits / seen
    ap /= nf
    threshold = np.sort(real)[min(nr - 1, int(np.ceil(0.99 * nr)))]
    return {
        "auc": float(auc),
        "ap": float(ap),
        "tpr_at_1pct_fpr": float((fake > threshold).mean()),
        "fpr_default_threshold": float((real > 0).mean()),
        "tpr_default_threshold": float((fake > 0).mean()),
        "reals": nr,
        "fakes": nf,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", required=True, help="the photo manifest (its validation rows)")
    p.add_argument("--family", action="append", default=[],
                   help="training-family generator (group e-pipeline-a)")
    p.add_argument("--held-out", action="append", default=[],
                   help="held-out generator (group e-pipeline-b)")
    p.add_argument("--group", action="append", default=[],
                   help="NAME=model,model,...: another group of fake clips")
    p.add_argument("--detector", action="append", default=[],
                   help="score with this model (repeatable); default: gandetect's own default")
    p.add_argument("--encoder", choices=sorted(ENCODERS), default="vp8")
    p.add_argument("--frames", type=int, default=30, help="frames per clip")
    p.add_argument("--seed", type=int, default=20261129)
    p.add_argument("--out", help="JSON report")
    a = p.parse_args()
    groups = []
    if a.family:
        groups.append(("e-pipeline-a", a.family))
    if a.held_out:
        groups.append(("e-pipeline-b", a.held_out))
    for g in a.group:
        name, _, models = g.partition("=")
        if not name or not models:
            p.error("--group takes NAME=model,model,...")
        groups.append((name, models.split(",")))
    if not groups:
        p.error("no fake clips: give --family, --held-out or --group")
    Gst.init(None)
    base = os.path.dirname(os.path.abspath(a.photos))
    with open(a.photos, newline="") as f:
        rows = list(csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t"))
    # The test scenes (neither trained nor calibrated on) where the manifest has them.
    split = "test" if any(r["split"] == "test" for r in rows) else "validation"
    rows = [r for r in rows if r["split"] == split]
    detectors = a.detector or [None]
    report = {"frames_per_clip": a.frames, "size": [W, H], "bitrate": 2000000,
              "encoder": a.encoder, "photo_split": split, "photos": len(rows), "seed": a.seed}
    with tempfile.TemporaryDirectory() as tmp:
        real_clips = []
        for i, r in enumerate(rows):
            path = r["path"] if os.path.isabs(r["path"]) else os.path.join(base, r["path"])
            clip = os.path.join(tmp, "real%d.mkv" % i)
            encode_real_clip(decode_photo(path, 900), a.frames, clip, a.encoder)
            real_clips.append(clip)
        fake_clips = {}
        for group, models in groups:
            fake_clips[group] = []
            for k, model in enumerate(models):
                for s in range(2):
                    clip = os.path.join(tmp, "fake-%s-%d-%d.mkv" % (group, k, s))
                    encode_fake_clip(model, a.seed + 100 * k + s, a.frames, clip, a.encoder)
                    fake_clips[group].append(clip)
        for detector in detectors:
            real = [x for clip in real_clips for x in score_clip(clip, detector)]
            into = report if detector is None else report.setdefault("detectors", {}).setdefault(
                detector, {})
            for group, clips in fake_clips.items():
                fake = [x for clip in clips for x in score_clip(clip, detector)]
                into[group] = rates(real, fake)
                print("%s %-14s AUC %.4f  AP %.4f  TPR@1%%FPR %.4f  FPR@default %.4f  "
                      "TPR@default %.4f (%d real, %d fake frames)" % (
                          detector or "default", group, into[group]["auc"], into[group]["ap"],
                          into[group]["tpr_at_1pct_fpr"], into[group]["fpr_default_threshold"],
                          into[group]["tpr_default_threshold"], len(real), len(fake)))
                sys.stdout.flush()
    if a.out:
        with open(a.out, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
