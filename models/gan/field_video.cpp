// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/field_video.h"

#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/hash.h"
#include "gan/latents.h"

#include <cmath>
#include <cstring>

namespace gan {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint64_t kLocalStream = 0x776f726c646cull;  // "worldl"
constexpr uint64_t kGlobalStream = 0x776f726c6467ull; // "worldg"
constexpr int64_t kBlock = 16; // local values are drawn 16 x 16 cells at a time

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

uint64_t place(uint64_t key, int64_t y, int64_t x) {
  return splitmix64(splitmix64(splitmix64(key) ^ static_cast<uint64_t>(y)) ^
                    static_cast<uint64_t>(x));
}

// Local channels of world cells [y0, y0 + h) x [x0, x0 + w) at one key.
torch::Tensor local_window(uint64_t seed, uint64_t key, int64_t channels, int64_t y0, int64_t x0,
                           int64_t h, int64_t w) {
  torch::Tensor out = torch::empty({channels, h, w});
  for (int64_t by = floor_div(y0, kBlock); by * kBlock < y0 + h; ++by)
    for (int64_t bx = floor_div(x0, kBlock); bx * kBlock < x0 + w; ++bx) {
      at::Generator rng = make_rng(seed, kLocalStream, place(key, by, bx));
      const torch::Tensor block = torch::randn({channels, kBlock, kBlock}, rng);
      const int64_t ya = std::max(y0, by * kBlock), yb = std::min(y0 + h, (by + 1) * kBlock);
      const int64_t xa = std::max(x0, bx * kBlock), xb = std::min(x0 + w, (bx + 1) * kBlock);
      out.slice(1, ya - y0, yb - y0)
          .slice(2, xa - x0, xb - x0)
          .copy_(block.slice(1, ya - by * kBlock, yb - by * kBlock)
                     .slice(2, xa - bx * kBlock, xb - bx * kBlock));
    }
  return out;
}

// Blend weights of `n` cells from `first` onto anchors every `spacing` cells: [n, anchors],
// two smooth (smoothstep) weights per row whose squares sum to 1. `first_anchor` is set.
torch::Tensor anchor_weights(int64_t first, int64_t n, int64_t spacing, int64_t &first_anchor) {
  auto anchor_of = [&](int64_t cell) {
    const double u = (static_cast<double>(cell) + 0.5) / static_cast<double>(spacing) - 0.5;
    return std::floor(u);
  };
  first_anchor = static_cast<int64_t>(anchor_of(first));
  const int64_t anchors = static_cast<int64_t>(anchor_of(first + n - 1)) - first_anchor + 2;
  torch::Tensor weights = torch::zeros({n, anchors});
  auto acc = weights.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const double u = (static_cast<double>(first + i) + 0.5) / static_cast<double>(spacing) - 0.5;
    const double a = std::floor(u), t = u - a;
    const double s = t * t * (3 - 2 * t);
    const double norm = std::sqrt((1 - s) * (1 - s) + s * s);
    const int64_t j = static_cast<int64_t>(a) - first_anchor;
    acc[i][j] = static_cast<float>((1 - s) / norm);
    acc[i][j + 1] = static_cast<float>(s / norm);
  }
  return weights;
}

// Global channels of world cells [y0, y0 + h) x [x0, x0 + w) at one key.
torch::Tensor global_window(uint64_t seed, uint64_t key, int64_t channels, int64_t spacing,
                            int64_t y0, int64_t x0, int64_t h, int64_t w) {
  if (spacing <= 0) {
    at::Generator rng = make_rng(seed, kGlobalStream, splitmix64(key));
    return torch::randn({channels, 1, 1}, rng).expand({channels, h, w});
  }
  int64_t ay = 0, ax = 0;
  const torch::Tensor wy = anchor_weights(y0, h, spacing, ay);
  const torch::Tensor wx = anchor_weights(x0, w, spacing, ax);
  torch::Tensor anchors = torch::empty({channels, wy.size(1), wx.size(1)});
  for (int64_t j = 0; j < wy.size(1); ++j)
    for (int64_t i = 0; i < wx.size(1); ++i) {
      at::Generator rng = make_rng(seed, kGlobalStream, place(key, ay + j, ax + i));
      anchors.select(1, j).select(1, i).copy_(torch::randn({channels}, rng));
    }
  return torch::matmul(torch::matmul(wy, anchors), wx.t());
}

torch::Tensor world_window(const StreamSettings &s, uint64_t key, int64_t latent, int64_t y0,
                           int64_t x0, int64_t h, int64_t w) {
  const int64_t global = field_global_channels(latent);
  const int64_t spacing = s.scene_size > 0 ? std::max<int64_t>(1, s.scene_size / kFieldScale) : 0;
  return torch::cat({local_window(s.seed, key, latent - global, y0, x0, h, w),
                     global_window(s.seed, key, global, spacing, y0, x0, h, w)},
                    0);
}

} // namespace

std::pair<int64_t, int64_t> drift_origin(const StreamSettings &s, uint64_t n) {
  if (!std::isfinite(s.drift_speed) || !std::isfinite(s.drift_angle))
    throw Error(ErrorCode::InvalidArgument, "drift speed and angle must be finite");
  if (s.drift_speed == 0)
    return {0, 0};
  const double radians = s.drift_angle * kPi / 180.0;
  const double travelled = static_cast<double>(n) * s.drift_speed;
  // Whole pixels stay exact in a double up to 2^52; beyond, the pan would stutter or stop.
  if (!(std::abs(travelled) <= 0x1p52))
    throw Error(ErrorCode::InvalidArgument, "frame " + std::to_string(n) + " drifts " +
                                                std::to_string(travelled) +
                                                " pixels, beyond the 2^52 a pan can reach exactly");
  // The scene moves at the angle (0: to the right, 90: up), so the window moves the other way.
  return {std::llround(-travelled * std::cos(radians)),
          std::llround(travelled * std::sin(radians))};
}

const torch::Tensor &FieldWorld::window(const StreamSettings &s, uint64_t key, int64_t latent,
                                        int64_t y0, int64_t x0, int64_t h, int64_t w) {
  for (const Window &k : recent_)
    if (k.seed == s.seed && k.key == key && k.scene_size == s.scene_size && k.latent == latent &&
        k.y0 == y0 && k.x0 == x0 && k.h == h && k.w == w)
      return k.values;
  if (recent_.size() >= 4)
    recent_.erase(recent_.begin());
  recent_.push_back({s.seed, key, s.scene_size, latent, y0, x0, h, w,
                     world_window(s, key, latent, y0, x0, h, w)});
  return recent_.back().values;
}

FrameField frame_field(const StreamSettings &s, int64_t latent, uint64_t n, int64_t height,
                       int64_t width) {
  return FieldWorld().frame(s, latent, n, height, width);
}

FrameField FieldWorld::frame(const StreamSettings &s, int64_t latent, uint64_t n, int64_t height,
                             int64_t width) {
  if (height < 1 || width < 1)
    throw Error(ErrorCode::InvalidArgument, "cannot paint an empty frame");
  const auto [px, py] = drift_origin(s, n);
  // A drifting window starts anywhere inside a cell: one cell more each way covers any start.
  const int64_t slack = s.drift_speed == 0 ? 0 : kFieldScale - 1;
  const int64_t fh = field_cells(height + slack), fw = field_cells(width + slack);
  const int64_t cy = floor_div(py, kFieldScale), cx = floor_div(px, kFieldScale);
  const int64_t y0 = cy - kFieldMargin, x0 = cx - kFieldMargin;

  const uint64_t walk = static_cast<uint64_t>(std::max<int64_t>(1, s.walk_frames));
  uint64_t key = 0;
  double t = 0;
  if (s.motion == Motion::Walk) {
    key = n / walk;
    t = static_cast<double>(n % walk) / static_cast<double>(walk);
  } else if (s.motion == Motion::Random) {
    key = n;
  }
  torch::Tensor field = window(s, key, latent, y0, x0, fh, fw);
  if (t > 0) {
    const double angle = t * kPi / 2;
    field = field * std::cos(angle) + window(s, key + 1, latent, y0, x0, fh, fw) * std::sin(angle);
  }
  FrameField out;
  out.field = field.contiguous();
  out.x = px - cx * kFieldScale;
  out.y = py - cy * kFieldScale;
  return out;
}

int64_t PannedWorld::frame(const StreamSettings &s, int64_t latent, int64_t channels, uint64_t n,
                           int64_t height, int64_t width, const Painter &paint, float *out) {
  static_assert(kTile % kFieldScale == 0, "a tile is whole field cells");
  if (!pans(s))
    throw Error(ErrorCode::InvalidArgument, "a panned world needs a static scene with drift");
  if (height < 1 || width < 1)
    throw Error(ErrorCode::InvalidArgument, "cannot paint an empty frame");
  const auto [px, py] = drift_origin(s, n);
  if (s.seed != seed_ || s.scene_size != scene_size_ || latent != latent_ ||
      channels != channels_) {
    tiles_.clear();
    seed_ = s.seed, scene_size_ = s.scene_size, latent_ = latent, channels_ = channels;
  }
  const int64_t cells = kTile / kFieldScale;
  const int64_t ty0 = floor_div(py, kTile), tx0 = floor_div(px, kTile);
  // The tiles the window still covers are kept, the others given back before any is painted.
  std::map<std::pair<int64_t, int64_t>, torch::Tensor> kept;
  for (auto &[at, tile] : tiles_)
    if (at.first >= ty0 && at.first * kTile < py + height && at.second >= tx0 &&
        at.second * kTile < px + width)
      kept.emplace(at, std::move(tile));
  tiles_.clear();
  int64_t painted = 0;
  for (int64_t ty = ty0; ty * kTile < py + height; ++ty)
    for (int64_t tx = tx0; tx * kTile < px + width; ++tx) {
      auto it = kept.find({ty, tx});
      torch::Tensor tile;
      if (it != kept.end()) {
        tile = it->second;
      } else {
        const torch::Tensor field =
            world_window(s, 0, latent, ty * cells - kFieldMargin, tx * cells - kFieldMargin,
                         cells + 2 * kFieldMargin, cells + 2 * kFieldMargin);
        tile = paint(field.unsqueeze(0));
        if (tile.dim() != 4 || tile.size(0) != 1 || tile.size(1) != channels ||
            tile.size(2) != kTile || tile.size(3) != kTile)
          throw Error(ErrorCode::InvalidArgument, "a pan tile painted " + c10::str(tile.sizes()) +
                                                      ", not [1, " + std::to_string(channels) +
                                                      ", " + std::to_string(kTile) + ", " +
                                                      std::to_string(kTile) + "]");
        tile = tile[0].to(torch::kFloat).contiguous();
        ++painted;
      }
      // The part of tile (ty, tx) inside the window, in world pixels.
      const int64_t ya = std::max(py, ty * kTile), yb = std::min(py + height, (ty + 1) * kTile);
      const int64_t xa = std::max(px, tx * kTile), xb = std::min(px + width, (tx + 1) * kTile);
      // Row by row (a torch copy per slice would wake the intra-op pool for every tile).
      const float *src = tile.data_ptr<float>();
      const size_t bytes = static_cast<size_t>(xb - xa) * sizeof(float);
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = ya; y < yb; ++y)
          std::memcpy(out + (c * height + y - py) * width + (xa - px),
                      src + (c * kTile + y - ty * kTile) * kTile + (xa - tx * kTile), bytes);
      kept.emplace(std::make_pair(ty, tx), std::move(tile));
    }
  tiles_ = std::move(kept);
  return painted;
}

} // namespace gan
