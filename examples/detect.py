#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python GI application: generated frames into gandetect, every verdict printed.

    GST_PLUGIN_PATH=build/plugin /usr/bin/python3 examples/detect.py [frames] [pipeline source]

Needs Debian's python3-gi and gir1.2-gstreamer-1.0 (tools/setup-debian.sh installs them).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def main():
    Gst.init(None)
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    source = sys.argv[2] if len(sys.argv) > 2 else "gangen motion=random"
    pipeline = Gst.parse_launch(f"{source} num-buffers={frames} ! gandetect ! fakesink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    verdicts, summary = 0, None
    wanted = Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.EOS
    while True:
        msg = bus.timed_pop_filtered(60 * Gst.SECOND, wanted)
        if msg is None:
            print("timed out", file=sys.stderr)
            return 1
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"error: {err.message} ({debug})", file=sys.stderr)
            return 1
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s.get_name() == "gandetect":
            verdicts += 1
            print(f"frame {s.get_value('frame')}: fake probability "
                  f"{s.get_value('fake-probability'):.3f}, is-fake {s.get_value('is-fake')}")
        elif s.get_name() == "gandetect-summary":
            summary = s
    pipeline.set_state(Gst.State.NULL)
    if summary is None or verdicts != frames:
        print(f"expected {frames} verdicts and a summary, got {verdicts}", file=sys.stderr)
        return 1
    print(summary.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
