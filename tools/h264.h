// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// H.264 round trips of 8-bit images in memory: x264 (through libavcodec) encodes, FFmpeg's
// decoder decodes, as a stream through x264enc and avdec_h264 would. The detectors train and
// calibrate on them so that a stream's compression is no verdict (issue 27). The CLI and the
// tests link this; the core and the plugin do not.

#include "gan/augment.h"

#include <random>

namespace gan_tools {

// True when gst-gan was built with libavcodec and it has the libx264 encoder and an H.264
// decoder.
bool h264_available();

// Encodes the image as one intra frame (4:2:0, limited-range BT.601 as x264enc gets from
// videoconvert) with x264 at constant quantiser `qp` (0-51; 2 Mbit/s 1280x720 video runs at
// about 26-40), decodes it back in place. x264 codes intra frames about 3 steps finer than
// `qp` (its default ipratio 1.4): qp 22-42 gives intra frames of 19-39. Odd sides are padded by
// replication and cropped back. Throws gan::Error(Io) naming the codec step that failed.
void h264_roundtrip(gan::ImageRef image, int qp);

// random_degradation's codec (gan/augment.h): h264_roundtrip at a quantiser drawn uniformly
// from [qp_min, qp_max].
gan::CodecRoundtrip h264_degradation(int qp_min = 22, int qp_max = 42);

} // namespace gan_tools
