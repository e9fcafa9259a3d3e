#!/usr/bin/env python3
# Seed corpora for the fuzz targets, written to <out>/<target>/: a tiny valid model file (raw,
# and as header + NUL + data for the structured target) and tiny IDX files (raw and gzip).
# The TorchScript seeds come from the target itself (GST_GAN_FUZZ_WRITE_SEEDS, see
# tools/fuzz.sh): writing a TorchScript archive needs LibTorch.
import gzip
import json
import os
import struct
import sys

FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def model(kind, arch, latent, tensors):
    data, table = b"", []
    for name, shape in tensors:
        n = 1
        for d in shape:
            n *= d
        blob = struct.pack("<%df" % n, *[0.25 * (i % 7) for i in range(n)])
        table.append({"name": name, "dtype": "float32", "shape": shape,
                      "offset": len(data), "nbytes": len(blob)})
        data += blob
    header = {"format": "gst-gan model", "format_version": 1, "kind": kind,
              "config": {"arch": arch, "latent": latent, "channels": 1, "height": 8, "width": 8},
              "provenance": {"dataset": "seed", "steps": 1, "seed": 7, "date": "2026-01-01",
                             "tool_version": "gst-gan seed", "metrics": {"fid": 1.5}},
              "attributes": {"classes": "10"} if kind == "classifier" else {},
              "tensors": table, "data_bytes": len(data), "data_fnv1a64": fnv1a64(data)}
    return json.dumps(header, indent=1).encode(), data


def idx(count, rows, cols):
    return (bytes([0, 0, 8, 3]) + struct.pack(">III", count, rows, cols)
            + bytes((i * 37) & 0xFF for i in range(count * rows * cols)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz-corpus"
    dirs = {t: os.path.join(out, t) for t in
            ("fuzz_model_file", "fuzz_model_file_structured", "fuzz_idx",
             "fuzz_image_header")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    models = {
        "gan": model("gan", "mlp", 2, [("generator.w", [2, 4]), ("discriminator.w", [4])]),
        "detector": model("detector", "detector", 0, [("detector.w", [3, 3])]),
        "empty": model("checkpoint", "mlp", 4, []),
    }
    for name, (header, data) in models.items():
        with open(os.path.join(dirs["fuzz_model_file"], name + ".gan"), "wb") as f:
            f.write(b"GSTGAN\0\1" + struct.pack("<Q", len(header)) + header + data)
        with open(os.path.join(dirs["fuzz_model_file_structured"], name), "wb") as f:
            f.write(header + b"\0" + data)
    images = idx(3, 4, 5)
    labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([1, 2, 3])
    for name, blob in (("images", images), ("labels", labels)):
        with open(os.path.join(dirs["fuzz_idx"], name), "wb") as f:
            f.write(blob)
        with open(os.path.join(dirs["fuzz_idx"], name + ".gz"), "wb") as f:
            f.write(gzip.compress(blob))
    # Image headers: a PNG signature + IHDR, and a JPEG with an APP0 segment before its frame.
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
           + struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0) + b"\0\0\0\0")
    jpeg = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\1\1\0\0\1\0\1\0\0"
            + b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 1) + b"\1\x11\0"
            + b"\xff\xda\0\x08\1\1\0\0\x3f\0\xff\xd9")
    for name, blob in (("png", png), ("jpeg", jpeg)):
        with open(os.path.join(dirs["fuzz_image_header"], name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
