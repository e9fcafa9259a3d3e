#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python PyTorch peer of the core's benchmarks (Debian's python3-torch: the same libtorch).

Reads gst-gan model files itself (magic, JSON header, raw tensors), builds the same
architectures as models/gan/nets.cpp in plain eager PyTorch, and times:

  reference.py infer --model F --part generator|detector --batch B --threads T [--seconds S]
  reference.py train --steps N --threads T        (DCGAN, batch 64, Fashion-MNIST)
  reference.py field --model F --width W --height H --frames N --threads T [--tuned]
  reference.py patch-detector --out F.pt   (a stand-in patch detector for serving figures)
  reference.py resnet18-detector --out F.pt [--size 224]   (a stand-in of natural-image size)
  reference.py export-detector --model F.gan --out F.pt   (a gst-gan detector as TorchScript)

Each prints one JSON line. `infer` also counts the forward pass's multiply-adds (conv,
transposed conv, linear) so the driver can report GFLOP/s.
"""
import argparse
import gzip
import json
import struct
import time

import numpy as np
import torch
from torch import nn

MAGIC = b"GSTGAN\x00\x01"


def read_model(path):
    blob = open(path, "rb").read()
    if blob[:8] != MAGIC:
        raise SystemExit(f"{path}: not a gst-gan model file")
    n = struct.unpack("<Q", blob[8:16])[0]
    header = json.loads(blob[16 : 16 + n])
    data = blob[len(blob) - header["data_bytes"] :]
    dtypes = {"float32": np.float32, "int64": np.int64, "uint8": np.uint8}
    tensors = {}
    for t in header["tensors"]:
        a = np.frombuffer(data, dtypes[t["dtype"]], int(np.prod(t["shape"])), t["offset"])
        tensors[t["name"]] = torch.from_numpy(a.reshape(t["shape"]).copy())
    return header, tensors


def state_dict(tensors, prefix):
    return {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


class DcganGenerator(nn.Module):
    def __init__(self, latent, channels):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent, 256, 4, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, channels, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.net(z.view(z.size(0), z.size(1), 1, 1))


class DcganDiscriminator(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
            nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
            nn.Conv2d(256, 1, 3, 1, 0, bias=False))

    def forward(self, x):
        return self.net(x).view(-1)


class Detector(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(2 * channels, 24, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(24, 48, 4, 2, 1, bias=False), nn.BatchNorm2d(48), nn.LeakyReLU(0.2),
            nn.Conv2d(48, 96, 4, 2, 1, bias=False), nn.BatchNorm2d(96), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, 1))

    def forward(self, x):
        local_mean = nn.functional.avg_pool2d(
            nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)
        return self.net(torch.cat([x, x - local_mean], 1)).view(-1)


class FieldGenerator(nn.Module):
    """models/gan/field_nets.cpp's generator: unpadded 3x3 convolutions over a latent field,
    nearest 2x twice, a sub-pixel convolution; 8 (h - 4) x 8 (w - 4) pixels from h x w cells."""

    def __init__(self, latent, channels, filters=128):
        super().__init__()
        f = filters  # 128 shipped, 48 the fast tier (the config's "filters")
        self.net = nn.Sequential(
            nn.Conv2d(latent, f, 3, bias=False), nn.BatchNorm2d(f), nn.ReLU(True),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(f, f // 2, 3, bias=False), nn.BatchNorm2d(f // 2), nn.ReLU(True),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(f // 2, f // 4, 3, bias=False), nn.BatchNorm2d(f // 4), nn.ReLU(True),
            nn.Conv2d(f // 4, channels * 4, 3), nn.PixelShuffle(2), nn.Tanh())

    def forward(self, field):
        return self.net(field)


def field(args):
    """The loop a user writes to make video frames with a field model: a latent field per
    frame (local half i.i.d., global half broadcast), the generator, then uint8 HWC RGB, as an
    appsrc takes it. --tuned: channels-last and bfloat16 autocast, as a PyTorch expert would."""
    torch.set_num_threads(args.threads)
    header, tensors = read_model(args.model)
    c = header["config"]
    net = FieldGenerator(c["latent"], c["channels"], c.get("filters", 128))
    net.load_state_dict(state_dict(tensors, "generator"))
    net.eval()
    fh, fw = -(-args.height // 8) + 4, -(-args.width // 8) + 4
    local, glob = c["latent"] - c["latent"] // 2, c["latent"] // 2
    if args.tuned:
        net = net.to(memory_format=torch.channels_last)

    def frame():
        z = torch.cat([torch.randn(1, local, fh, fw),
                       torch.randn(1, glob, 1, 1).expand(1, glob, fh, fw)], 1)
        if args.tuned:
            z = z.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                img = net(z)
        else:
            img = net(z)
        img = img[0, :, : args.height, : args.width].float()
        return ((img + 1) * 127.5).clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()

    with torch.inference_mode():
        for _ in range(3):
            frame()
        n, t0 = 0, time.perf_counter()
        while n < args.frames:
            frame()
            n += 1
        dt = time.perf_counter() - t0
    print(json.dumps({"bench": "field", "impl": "python-tuned" if args.tuned else "python",
                      "width": args.width, "height": args.height, "threads": args.threads,
                      "frames_per_second": n / dt}))


def count_flops(module, example):
    """Multiply-adds x 2 of conv, transposed conv and linear layers in one forward pass."""
    total = [0]

    def hook(m, inputs, output):
        if isinstance(m, nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            total[0] += 2 * output.numel() * k
        elif isinstance(m, nn.ConvTranspose2d):
            x = inputs[0]
            k = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            total[0] += 2 * x.numel() * k
        elif isinstance(m, nn.Linear):
            total[0] += 2 * output.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    with torch.inference_mode():
        module(example)
    for h in handles:
        h.remove()
    return total[0] / example.size(0)


def load_part(path, part):
    header, tensors = read_model(path)
    c = header["config"]
    if part == "generator":
        net = DcganGenerator(c["latent"], c["channels"])
        net.load_state_dict(state_dict(tensors, "generator"))
        shape = (c["latent"],)
    elif header["kind"] == "detector":
        net = Detector(c["channels"])
        net.load_state_dict(state_dict(tensors, "detector"))
        shape = (c["channels"], c["height"], c["width"])
    else:
        net = DcganDiscriminator(c["channels"])
        net.load_state_dict(state_dict(tensors, "discriminator"))
        shape = (c["channels"], c["height"], c["width"])
    return net.eval(), shape


def infer(args):
    torch.set_num_threads(args.threads)
    net, shape = load_part(args.model, args.part)
    x = torch.randn(args.batch, *shape)
    flops = count_flops(net, x)
    with torch.no_grad():  # what a plain eager script does
        for _ in range(5):
            net(x)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds:
            net(x)
            n += 1
        dt = time.perf_counter() - t0
    print(json.dumps({"bench": "infer", "impl": "python", "part": args.part, "batch": args.batch,
                      "threads": args.threads, "images_per_second": n * args.batch / dt,
                      "flops_per_image": flops}))


def fashion_mnist(path="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, h, w = struct.unpack(">III", raw[4:16])
    images = np.frombuffer(raw, np.uint8, n * h * w, 16).reshape(n, 1, h, w)
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)


def train(args):
    """The plain PyTorch DCGAN loop (the tutorial's algorithm and the core's): D on real -> 1 and
    fake -> 0, non-saturating G step, Adam 2e-4 (0.5, 0.999), BCE with logits, batch 64."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    data = fashion_mnist()
    g, d = DcganGenerator(100, 1), DcganDiscriminator(1)
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    batch = 64
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    t0 = None
    for step in range(args.steps + 5):
        if step == 5:  # warmed up
            t0 = time.perf_counter()
        real = data[torch.randint(0, data.size(0), (batch,))]
        z = torch.randn(batch, 100)
        fake = g(z)
        od.zero_grad()
        loss_d = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        loss_d.backward()
        od.step()
        og.zero_grad()
        loss_g = bce(d(fake), ones)
        loss_g.backward()
        og.step()
    dt = time.perf_counter() - t0
    print(json.dumps({"bench": "train", "impl": "python", "threads": args.threads,
                      "images_per_second": args.steps * batch / dt}))


def patch_detector(args):
    """A TorchScript conv net the size a natural-image patch detector needs (3x64x64 RGB patches,
    four stride-2 convolutions 32-64-128-256, 15 M multiply-adds per patch), random weights: a
    stand-in for speed and serving figures only, it detects nothing. Saved with its sidecar."""
    torch.manual_seed(0)
    layers, c = [], 3
    for width in (32, 64, 128, 256):
        layers += [nn.Conv2d(c, width, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c = width
    net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1),
                        nn.Flatten(0)).eval()
    torch.jit.save(torch.jit.script(net), args.out)
    with open(args.out + ".json", "w") as f:
        json.dump({"channels": 3, "size": [64, 64], "range": "-1..1", "output": "logit"}, f)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(True)
        self.downsample = nn.Identity()
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + self.downsample(x))


class ResNet18Detector(nn.Module):
    """ResNet-18 (BasicBlock, [2, 2, 2, 2], widths 64-128-256-512, 7x7 stride-2 stem and max
    pool, global average pool) with one logit out: [N, 3, H, W] -> [N]."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                  nn.ReLU(True), nn.MaxPool2d(3, 2, 1))
        blocks, c = [], 64
        for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(c, width, stride), BasicBlock(width, width, 1)]
            c = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x))).view(-1)


def save_script(net, out, sidecar):
    """TorchScript (scripted, traced if scripting fails) with its JSON sidecar `out.json`."""
    try:
        scripted = torch.jit.script(net)
    except Exception:  # noqa: BLE001 -- any scripting failure: trace instead
        c, (h, w) = sidecar["channels"], sidecar["size"]
        scripted = torch.jit.trace(net, torch.zeros(1, c, h, w))
    torch.jit.save(scripted, out)
    with open(out + ".json", "w") as f:
        json.dump(sidecar, f)


def resnet18_detector(args):
    """A ResNet-18 with one logit out, the size of a natural-image detector (3 x size x size RGB,
    1.8 G multiply-adds at 224), random weights (seed 0), BatchNorm in eval mode: a stand-in for
    speed figures only, it detects nothing. Saved with its sidecar."""
    torch.manual_seed(0)
    net = ResNet18Detector().eval()
    save_script(net, args.out, {"channels": 3, "size": [args.size, args.size], "range": "-1..1",
                                "output": "logit"})


def export_detector(args):
    """A gst-gan detector file (kind "detector", as models/fmnist-detector.gan) as TorchScript:
    [N, C, H, W] in [-1, 1] -> [N] fake logits (> 0: fake), the weights load_part reads, so that
    gandetect and a Python loop can load the very same file. Saved with its sidecar."""
    header, _ = read_model(args.model)
    if header["kind"] != "detector":
        raise SystemExit(f"{args.model}: a {header['kind']} file, not a detector")
    net, (c, h, w) = load_part(args.model, "detector")
    save_script(net, args.out, {"channels": c, "size": [h, w], "range": "-1..1",
                                "output": "logit"})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("infer")
    i.add_argument("--model", required=True)
    i.add_argument("--part", choices=["generator", "detector"], required=True)
    i.add_argument("--batch", type=int, default=1)
    i.add_argument("--threads", type=int, default=1)
    i.add_argument("--seconds", type=float, default=2.0)
    t = sub.add_parser("train")
    t.add_argument("--steps", type=int, default=200)
    t.add_argument("--threads", type=int, default=1)
    f = sub.add_parser("field")
    f.add_argument("--model", required=True)
    f.add_argument("--width", type=int, default=640)
    f.add_argument("--height", type=int, default=480)
    f.add_argument("--frames", type=int, default=60)
    f.add_argument("--threads", type=int, default=2)
    f.add_argument("--tuned", action="store_true")
    d = sub.add_parser("patch-detector")
    d.add_argument("--out", required=True)
    r = sub.add_parser("resnet18-detector")
    r.add_argument("--out", required=True)
    r.add_argument("--size", type=int, default=224)
    e = sub.add_parser("export-detector")
    e.add_argument("--model", required=True)
    e.add_argument("--out", required=True)
    args = p.parse_args()
    {"infer": infer, "train": train, "field": field, "patch-detector": patch_detector,
     "resnet18-detector": resnet18_detector, "export-detector": export_detector}[args.cmd](args)


if __name__ == "__main__":
    main()
