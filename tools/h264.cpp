// SPDX-License-Identifier: LGPL-2.1-or-later
#include "h264.h"

#include "gan/error.h"
#include "gan/pixels.h"

#include <string>

#ifdef GST_GAN_HAVE_LIBAVCODEC
#include <algorithm>
#include <memory>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
}
#endif

namespace gan_tools {

#ifdef GST_GAN_HAVE_LIBAVCODEC
namespace {

struct CodecContextFree {
  void operator()(AVCodecContext *c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame *f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket *p) const { av_packet_free(&p); }
};
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextFree>;
using Frame = std::unique_ptr<AVFrame, FrameFree>;
using Packet = std::unique_ptr<AVPacket, PacketFree>;

[[noreturn]] void fail(const std::string &step, int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof text);
  throw gan::Error(gan::ErrorCode::Io, "H.264 round trip: " + step + ": " + text);
}

void check(int err, const char *step) {
  if (err < 0)
    fail(step, err);
}

const AVCodec *x264() {
  // libav's warnings (x264's banner, per-frame notes) would flood a training log; its errors
  // reach the caller as gan::Error.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_ERROR); });
  return avcodec_find_encoder_by_name("libx264");
}

// The image's limited-range 4:2:0 planes into `frame` (w x h, even, >= the image; edges
// replicated), chroma averaged over 2x2 blocks as videoconvert does.
void fill_frame(const gan::ImageRef &im, AVFrame *frame) {
  const int64_t h = im.height, w = im.width, hw = h * w;
  auto at = [&](int64_t c, int64_t y, int64_t x) -> float {
    return im.pixels[c * hw + std::min(y, h - 1) * w + std::min(x, w - 1)];
  };
  const bool colour = im.channels == 3;
  for (int y = 0; y < frame->height; ++y)
    for (int x = 0; x < frame->width; ++x) {
      const float r = at(0, y, x), g = colour ? at(1, y, x) : r, b = colour ? at(2, y, x) : r;
      frame->data[0][y * frame->linesize[0] + x] =
          colour ? gan::limited_luma(r, g, b) : gan::round_to_byte(16.0f + r * 219.0f / 255.0f);
    }
  for (int cy = 0; cy < frame->height / 2; ++cy)
    for (int cx = 0; cx < frame->width / 2; ++cx) {
      double sr = 0, sg = 0, sb = 0;
      for (int y = 2 * cy; y < 2 * cy + 2; ++y)
        for (int x = 2 * cx; x < 2 * cx + 2; ++x) {
          sr += at(0, y, x) / 4.0;
          sg += (colour ? at(1, y, x) : at(0, y, x)) / 4.0;
          sb += (colour ? at(2, y, x) : at(0, y, x)) / 4.0;
        }
      frame->data[1][cy * frame->linesize[1] + cx] = colour ? gan::limited_cb(sr, sg, sb) : 128;
      frame->data[2][cy * frame->linesize[2] + cx] = colour ? gan::limited_cr(sr, sg, sb) : 128;
    }
}

// The decoded planes back into the image (chroma by nearest, as yuv420_roundtrip).
void read_frame(const AVFrame *frame, gan::ImageRef im) {
  const int64_t h = im.height, w = im.width, hw = h * w;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const float luma = gan::full_range_luma(frame->data[0][y * frame->linesize[0] + x]);
      if (im.channels != 3) {
        for (int64_t c = 0; c < im.channels; ++c)
          im.pixels[c * hw + y * w + x] = gan::round_to_byte(luma);
        continue;
      }
      const float cb = gan::full_range_chroma(frame->data[1][(y / 2) * frame->linesize[1] + x / 2]);
      const float cr = gan::full_range_chroma(frame->data[2][(y / 2) * frame->linesize[2] + x / 2]);
      const gan::RgbFloat rgb = gan::rgb_from_ycbcr(luma, cb, cr);
      im.pixels[y * w + x] = gan::round_to_byte(rgb.r);
      im.pixels[hw + y * w + x] = gan::round_to_byte(rgb.g);
      im.pixels[2 * hw + y * w + x] = gan::round_to_byte(rgb.b);
    }
}

} // namespace

bool h264_available() {
  return x264() != nullptr && avcodec_find_decoder(AV_CODEC_ID_H264) != nullptr;
}

void h264_roundtrip(gan::ImageRef im, int qp) {
  if (im.channels != 1 && im.channels != 3)
    throw gan::Error(gan::ErrorCode::InvalidArgument, "H.264 round trip: 1 or 3 channels");
  if (qp < 0 || qp > 51)
    throw gan::Error(gan::ErrorCode::InvalidArgument, "H.264 round trip: qp must be in [0, 51]");
  const AVCodec *encoder = x264();
  const AVCodec *decoder = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!encoder || !decoder)
    throw gan::Error(gan::ErrorCode::Io, "H.264 round trip: this libavcodec has no libx264 "
                                         "encoder or no H.264 decoder");
  // x264's macroblocks: padded to a multiple of 16 each way (edges replicated), cropped back.
  const int width = static_cast<int>((im.width + 15) / 16 * 16);
  const int height = static_cast<int>((im.height + 15) / 16 * 16);

  CodecContext enc(avcodec_alloc_context3(encoder));
  if (!enc)
    fail("allocating the encoder", AVERROR(ENOMEM));
  enc->width = width;
  enc->height = height;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->time_base = AVRational{1, 30};
  enc->framerate = AVRational{30, 1};
  enc->gop_size = 1;
  enc->max_b_frames = 0;
  enc->thread_count = 1;
  check(av_opt_set(enc->priv_data, "preset", "veryfast", 0), "x264 preset");
  check(av_opt_set(enc->priv_data, "tune", "zerolatency", 0), "x264 tune");
  check(av_opt_set_int(enc->priv_data, "qp", qp, 0), "x264 qp");
  check(avcodec_open2(enc.get(), encoder, nullptr), "opening x264");

  Frame frame(av_frame_alloc());
  if (!frame)
    fail("allocating a frame", AVERROR(ENOMEM));
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  check(av_frame_get_buffer(frame.get(), 0), "allocating a frame");
  fill_frame(im, frame.get());
  frame->pts = 0;
  check(avcodec_send_frame(enc.get(), frame.get()), "encoding");
  check(avcodec_send_frame(enc.get(), nullptr), "flushing the encoder");

  CodecContext dec(avcodec_alloc_context3(decoder));
  if (!dec)
    fail("allocating the decoder", AVERROR(ENOMEM));
  dec->thread_count = 1;
  check(avcodec_open2(dec.get(), decoder, nullptr), "opening the H.264 decoder");
  Packet packet(av_packet_alloc());
  if (!packet)
    fail("allocating a packet", AVERROR(ENOMEM));
  for (;;) {
    const int err = avcodec_receive_packet(enc.get(), packet.get());
    if (err == AVERROR_EOF)
      break;
    check(err, "encoding");
    check(avcodec_send_packet(dec.get(), packet.get()), "decoding");
    av_packet_unref(packet.get());
  }
  check(avcodec_send_packet(dec.get(), nullptr), "flushing the decoder");
  Frame decoded(av_frame_alloc());
  if (!decoded)
    fail("allocating a frame", AVERROR(ENOMEM));
  check(avcodec_receive_frame(dec.get(), decoded.get()), "decoding");
  if (decoded->width != width || decoded->height != height || decoded->format != AV_PIX_FMT_YUV420P)
    throw gan::Error(gan::ErrorCode::Io, "H.264 round trip: the decoder returned another shape");
  read_frame(decoded.get(), im);
}

#else // built without libavcodec: the CLI says so when --h264 is asked for

bool h264_available() { return false; }

void h264_roundtrip(gan::ImageRef, int) {
  throw gan::Error(gan::ErrorCode::InvalidArgument,
                   "H.264 round trip: gst-gan was built without libavcodec (install "
                   "libavcodec-dev and reconfigure)");
}

#endif

gan::CodecRoundtrip h264_degradation(int qp_min, int qp_max) {
  return [qp_min, qp_max](gan::ImageRef image, std::mt19937_64 &rng) {
    h264_roundtrip(image, std::uniform_int_distribution<int>(qp_min, qp_max)(rng));
  };
}

} // namespace gan_tools
