#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The loop a Python user writes instead of gandetect (issue #17): videotestsrc into an appsink,
each sample mapped into numpy, to RGB (or grey) in torch, resized to the model's input by area
averaging, [-1, 1], one eager forward of the same TorchScript file gandetect loads, the score
kept.

  peer_detect.py --model F.pt [--format RGB|I420] [--width W] [--height H] [--frames N]
                 [--threads T] [--repeat R]

F.pt is a TorchScript detector with a JSON sidecar F.pt.json giving "channels" and "size" (as
bench/reference.py's resnet18-detector and export-detector write them); its output is taken as
logits. Frames/s counts from the first frame scored to the last, so model loading and pipeline
start are excluded, as pipeline_bench times gandetect from the first buffer at the sink to EOS;
p50/p95: per-frame wall time from mapping the buffer to its score. Best of --repeat runs. Prints
one JSON line. Colour as gandetect reads it: I420 is BT.601 limited range, chroma nearest-
upsampled; grey models get luma (Y of I420, BT.601 weights of RGB).
"""
import argparse
import json
import os
import time
import warnings

import gi
import numpy as np
import torch
import torch.nn.functional as F

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

try:
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GstVideo  # noqa: E402
except (ImportError, ValueError):
    GstVideo = None

# The buffer's bytes are read, never written: torch.from_numpy of them needs no copy.
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")


def layout(caps, fmt, width, height):
    """Strides and plane offsets of a frame: from GstVideo.VideoInfo when gi has it, else
    GStreamer's default layout (rows padded to 4 bytes; I420 chroma at half size)."""
    if GstVideo is not None:
        info = GstVideo.VideoInfo.new_from_caps(caps)
        return list(info.stride), list(info.offset)
    up4 = lambda n: (n + 3) & ~3  # noqa: E731
    if fmt == "RGB":
        return [up4(width * 3)], [0]
    cw, ch = (width + 1) // 2, (height + 1) // 2
    s0, s1 = up4(width), up4(cw)
    return [s0, s1, s1], [0, s0 * up4(height), s0 * up4(height) + s1 * ch]


def plane(data, offset, stride, rows, row_bytes):
    """rows x row_bytes bytes of a frame plane (rows `stride` apart), without a copy."""
    a = np.frombuffer(data, np.uint8, (rows - 1) * stride + row_bytes, offset)
    return torch.from_numpy(np.lib.stride_tricks.as_strided(a, (rows, row_bytes), (stride, 1)))


def to_model_input(data, fmt, width, height, strides, offsets, channels, size):
    """A frame's bytes -> [1, channels, size] floats in [-1, 1]."""
    if fmt == "RGB":
        rgb = plane(data, offsets[0], strides[0], height, width * 3).view(height, width, 3)
        x = rgb.permute(2, 0, 1).unsqueeze(0).float()
        if channels == 1:
            x = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    else:  # I420, BT.601 limited range
        cw, ch = (width + 1) // 2, (height + 1) // 2
        y = (plane(data, offsets[0], strides[0], height, width).float() - 16) * (255 / 219)
        if channels == 1:
            x = y.clamp(0, 255).view(1, 1, height, width)
        else:
            uv = torch.stack([plane(data, offsets[i], strides[i], ch, cw) for i in (1, 2)])
            uv = (uv.float() - 128) * (255 / 224)
            uv = uv.repeat_interleave(2, 1).repeat_interleave(2, 2)[:, :height, :width]
            cb, cr = uv[0], uv[1]
            x = torch.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb])
            x = x.clamp(0, 255).unsqueeze(0)
    x = F.interpolate(x, size=size, mode="area")
    return x / 127.5 - 1


def run(model, channels, size, args):
    desc = (f"videotestsrc num-buffers={args.frames} pattern=ball ! video/x-raw,format="
            f"{args.format},width={args.width},height={args.height},framerate=30/1 ! "
            "appsink name=sink sync=false max-buffers=2 emit-signals=false")
    pipeline = Gst.parse_launch(desc)
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    scores, latency, done, geometry = [], [], [], None
    with torch.inference_mode():
        while True:
            sample = sink.emit("pull-sample")
            if sample is None:  # EOS (or an error, checked below)
                break
            if geometry is None:
                geometry = layout(sample.get_caps(), args.format, args.width, args.height)
            buf = sample.get_buffer()
            t0 = time.perf_counter()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                raise SystemExit("cannot map a buffer")
            try:
                x = to_model_input(info.data, args.format, args.width, args.height, *geometry,
                                   channels, size)
            finally:
                buf.unmap(info)
            scores.append(torch.sigmoid(model(x)).item())
            t1 = time.perf_counter()
            latency.append((t1 - t0) * 1e3)
            done.append(t1)
    msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is not None:
        raise SystemExit(f"pipeline error: {msg.parse_error()[0].message}")
    if len(done) < 2:
        raise SystemExit("too few frames")
    fps = (len(done) - 1) / (done[-1] - done[0])
    lat = sorted(latency)
    pct = lambda q: lat[int(q * (len(lat) - 1))]  # noqa: E731 -- as pipeline_bench's
    return fps, pct(0.5), pct(0.95), scores


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--format", choices=["RGB", "I420"], default="RGB")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    Gst.init(None)
    with open(args.model + ".json") as f:
        side = json.load(f)
    channels, size = side.get("channels", 3), tuple(side["size"])
    model = torch.jit.load(args.model).eval()
    with torch.inference_mode():  # one probe forward at load, as gandetect runs
        model(torch.zeros(1, channels, *size))
    best = None
    for _ in range(max(1, args.repeat)):
        r = run(model, channels, size, args)
        if best is None or r[0] > best[0]:
            best = r
    fps, p50, p95, _ = best
    print(json.dumps({"bench": "peer-detect", "impl": "python", "format": args.format,
                      "width": args.width, "height": args.height, "threads": args.threads,
                      "model": os.path.basename(args.model), "frames_per_second": fps,
                      "p50_ms": p50, "p95_ms": p95}))


if __name__ == "__main__":
    main()
