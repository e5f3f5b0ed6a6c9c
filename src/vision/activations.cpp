#include "minicnn/vision/activations.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/vision/kernel_png.hpp"

namespace minicnn {

std::vector<LayerOutput> layer_outputs(Sequential& model, const Tensor& x) {
  const TrainingModeGuard eval(model, false);
  std::vector<LayerOutput> out;
  const Tensor* h = &x;
  for (std::size_t i = 0; i < model.size(); ++i) {
    h = &model[i].forward(*h);
    out.push_back({std::to_string(i), short_name(model[i]), *h});
  }
  return out;
}

namespace {

constexpr std::size_t kSampleGap = 8;
constexpr std::uint8_t kBackground = 150;  // grey between the tiles: neither black (0) nor white (0 when signed)

// A sample's layout: tiles of tile_w x tile_h (scale px per value), cols per line.
struct Tiles {
  std::size_t count, h, w, scale, tile_w, tile_h, cols, rows, gap;
  std::size_t width() const { return cols * (tile_w + gap) - gap; }
  std::size_t height() const { return rows * (tile_h + gap) - gap; }
};

// For a sample of shape (C, H, W), or flat (F).
Tiles plan(const Shape& sample, const ActivationImageOptions& o) {
  Tiles t{};
  std::size_t per = 1;
  for (const auto d : sample) per *= d;
  if (sample.size() == 3) {
    t.count = sample[0], t.h = sample[1], t.w = sample[2];
    t.scale = std::max<std::size_t>(1, (o.min_tile + std::max(t.h, t.w) - 1) / std::max(std::max(t.h, t.w), std::size_t{1}));
  } else {  // a flat output: one cell per value
    t.count = per, t.h = t.w = 1, t.scale = std::max<std::size_t>(o.cell, 1);
  }
  t.tile_w = t.w * t.scale, t.tile_h = t.h * t.scale, t.gap = o.gap;
  const std::size_t fit = std::clamp<std::size_t>((o.max_width + t.gap) / (t.tile_w + t.gap), 1, std::max<std::size_t>(t.count, 1));
  t.rows = (t.count + fit - 1) / fit;
  t.cols = (t.count + t.rows - 1) / t.rows;  // lines of even length: 16 maps as 2 x 8, not 15 + 1
  return t;
}

void draw_sample(Image& img, const float* v, const Tiles& t, std::size_t y0) {
  const std::size_t n = t.count * t.h * t.w;
  float lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(v[i])) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  const bool signed_values = lo < 0;
  const float m = std::max(-lo, hi);
  std::uint8_t c[3];
  for (std::size_t k = 0; k < t.count; ++k) {
    const std::size_t x0 = (k % t.cols) * (t.tile_w + t.gap), ty = y0 + (k / t.cols) * (t.tile_h + t.gap);
    for (std::size_t i = 0; i < t.h; ++i)
      for (std::size_t j = 0; j < t.w; ++j) {
        const float a = v[(k * t.h + i) * t.w + j];
        if (signed_values) {
          value_color(a, m, KernelImageOptions::ColorMap::diverging, c);
        } else {
          const auto g = static_cast<std::uint8_t>(m > 0 && std::isfinite(a) ? std::lround(255.f * std::min(a / m, 1.f)) : 0);
          c[0] = c[1] = c[2] = g;
        }
        for (std::size_t dy = 0; dy < t.scale; ++dy)
          for (std::size_t dx = 0; dx < t.scale; ++dx) std::copy(c, c + 3, img.at(x0 + j * t.scale + dx, ty + i * t.scale + dy));
      }
  }
}

}  // namespace

Image render_activations(const Tensor& y, const ActivationImageOptions& o) {
  if (y.dimension() < 2 || y.shape(0) == 0 || y.size() == 0)
    throw std::invalid_argument("render_activations: expected an output (N, C, H, W) or (N, F), got " + shape_str(y.shape()));
  const std::size_t N = y.shape(0), per = y.size() / N;
  const Tiles t = plan(Shape(y.shape().begin() + 1, y.shape().end()), o);
  Image img(t.width(), N * t.height() + (N - 1) * kSampleGap, 3, kBackground);
  for (std::size_t n = 0; n < N; ++n) draw_sample(img, y.data() + n * per, t, n * (t.height() + kSampleGap));
  return img;
}

ActivationLayout activation_layout(const Shape& sample_shape, const ActivationImageOptions& o) {
  const Tiles t = plan(sample_shape, o);
  return {t.count, t.tile_w, t.tile_h, t.cols, t.gap};
}

}  // namespace minicnn
