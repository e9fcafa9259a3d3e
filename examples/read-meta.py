#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python GI application that reads the gan plugin's metas from buffers.

    python3 examples/read-meta.py [frames]

What gangen says made each frame (GstGan.SyntheticMeta, through the GstGan-1.0 introspection
data of libgstgan-1.0) and gandetect's verdict (GstGan.DetectMeta); on GStreamer >= 1.24 also the
standard analytics classification gandetect attaches (GstAnalytics), which any analytics
consumer reads without this project. From the build tree:

    GST_PLUGIN_PATH=build/plugin GI_TYPELIB_PATH=build/gst-libs/gst/gan \\
        LD_LIBRARY_PATH=build/gst-libs/gst/gan python3 examples/read-meta.py

Exits 0 when every frame carried both metas, consistent with each other.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstGan", "1.0")
from gi.repository import GLib, Gst, GstGan  # noqa: E402

try:
    gi.require_version("GstAnalytics", "1.0")
    from gi.repository import GstAnalytics  # noqa: E402
except (ValueError, ImportError):
    GstAnalytics = None


def classification(buffer):
    """gandetect's verdict as the standard analytics meta reads it: {label: confidence}."""
    if GstAnalytics is None:
        return None
    relations = GstAnalytics.buffer_get_analytics_relation_meta(buffer)
    if relations is None:
        return None
    found, cls = relations.get_cls_mtd(0)
    if not found:
        return None
    return {GLib.quark_to_string(cls.get_quark(i)): cls.get_level(i)
            for i in range(cls.get_length())}


def main():
    Gst.init(None)
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    pipeline = Gst.parse_launch(
        f"gangen num-buffers={frames} motion=random ! video/x-raw,width=160,height=128 "
        "! gandetect post-messages=false ! appsink name=sink sync=false")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    seen = good = 0
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buffer = sample.get_buffer()
        made = GstGan.buffer_get_gan_synthetic_meta(buffer)
        verdict = GstGan.buffer_get_gan_detect_meta(buffer)
        if made is None or verdict is None:
            print(f"frame {seen}: a meta is missing", file=sys.stderr)
        else:
            labels = classification(buffer)
            print(f"frame {made.frame}: made by {made.model_id} "
                  f"(watermark {made.watermark_payload:#010x}), "
                  f"gandetect: {'fake' if verdict.is_fake else 'real'} by {verdict.decided_by}, "
                  f"fake probability {verdict.fake_probability:.3f}"
                  + (f", analytics {labels}" if labels else ""))
            ok = (made.frame == buffer.offset and made.watermarked and verdict.watermark_found
                  and verdict.watermark_payload == made.watermark_payload)
            if GstAnalytics is not None:
                ok = ok and labels is not None and abs(labels["synthetic"] - 1.0) < 1e-6
            good += ok
        seen += 1
    pipeline.set_state(Gst.State.NULL)
    print(f"{good} of {frames} frames carried both metas, consistent")
    return 0 if seen == frames and good == frames else 1


if __name__ == "__main__":
    sys.exit(main())
