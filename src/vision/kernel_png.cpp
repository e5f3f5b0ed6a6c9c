#include "minicnn/vision/kernel_png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "minicnn/vision/filter_image.hpp"

namespace minicnn {

namespace {
// ColorBrewer RdBu end points: clearly signed, and readable for red-green colour blindness.
constexpr std::uint8_t kBlue[3] = {33, 102, 172}, kRed[3] = {178, 24, 43}, kWhite[3] = {255, 255, 255};
constexpr std::uint8_t kSeparator[3] = {64, 64, 64}, kInk[3] = {0, 0, 0};

std::string fmt(float v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.3g", static_cast<double>(v));
  return b;
}
}  // namespace

void zero_color(KernelImageOptions::ColorMap map, std::uint8_t rgb[3]) { value_color(0.f, 1.f, map, rgb); }

void value_color(float v, float m, KernelImageOptions::ColorMap map, std::uint8_t rgb[3]) {
  const float t = m > 0 && std::isfinite(v) ? std::clamp(v / m, -1.f, 1.f) : 0.f;
  if (map == KernelImageOptions::ColorMap::grayscale) {
    const auto g = static_cast<std::uint8_t>(std::lround(127.5f + 127.5f * t - (t == 0 ? 0.5f : 0.f)));  // 0 -> 127
    rgb[0] = rgb[1] = rgb[2] = t == 0 ? 128 : g;
    return;
  }
  const std::uint8_t* end = t >= 0 ? kRed : kBlue;
  const float a = std::abs(t);
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<std::uint8_t>(std::lround(kWhite[c] + a * (end[c] - kWhite[c])));
}

Image render_kernels(const Tensor& w, const KernelImageOptions& o, KernelGrid* grid_out) {
  if (w.dimension() != 4 || w.size() == 0)
    throw std::invalid_argument("render_kernels: expected a conv weight (OC, C, KH, KW), got " + shape_str(w.shape()));
  if (o.scale == 0 || o.scale > 256) throw std::invalid_argument("render_kernels: scale must be 1..256");
  const std::size_t OC = w.shape(0), C = w.shape(1), KH = w.shape(2), KW = w.shape(3), KK = KH * KW;
  KernelGrid g;
  if (C == 1) {
    g.cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(OC))));
    g.rows = (OC + g.cols - 1) / g.cols;
  } else {
    g.rows = OC;
    g.cols = C;
  }
  g.tile_w = KW * o.scale;
  g.tile_h = KH * o.scale;
  const std::size_t b = o.border;
  const std::size_t grid_w = g.cols * g.tile_w + (g.cols + 1) * b, grid_h = g.rows * g.tile_h + (g.rows + 1) * b;
  const std::size_t title_h = o.title.empty() ? 0 : kTextHeight + 4;
  const std::size_t legend_h = o.legend ? 12 + kTextHeight + 6 : 0;
  const std::size_t width = std::max({grid_w, o.title.empty() ? 0 : text_width(o.title) + 8, o.legend ? std::size_t(200) : 0});
  Image img(width, title_h + grid_h + legend_h, 3, 255);
  g.grid_x = (width - grid_w) / 2 + b;
  g.grid_y = title_h + b;
  if (!o.title.empty()) draw_text(img, 4, 2, o.title, kInk);

  float global = 0;
  for (const float v : w) global = std::max(global, std::isfinite(v) ? std::abs(v) : 0.f);
  g.range = global;
  // Separators: fill the grid area dark, then draw tiles over it.
  for (std::size_t y = title_h; y < title_h + grid_h; ++y)
    for (std::size_t x = g.grid_x - b; x < g.grid_x - b + grid_w; ++x) std::copy(kSeparator, kSeparator + 3, img.at(x, y));
  std::uint8_t rgb[3];
  for (std::size_t k = 0; k < OC * C; ++k) {
    const std::size_t o_c = k / C, i_c = k % C;
    const std::size_t tile = C == 1 ? o_c : o_c * C + i_c;
    const std::size_t r = tile / g.cols, c = tile % g.cols;
    const float* kw = w.data() + k * KK;
    float m = global;
    if (o.scaling == KernelImageOptions::Scaling::per_kernel) {
      m = 0;
      for (std::size_t i = 0; i < KK; ++i) m = std::max(m, std::isfinite(kw[i]) ? std::abs(kw[i]) : 0.f);
    }
    const std::size_t x0 = g.grid_x + c * (g.tile_w + b), y0 = g.grid_y + r * (g.tile_h + b);
    for (std::size_t ki = 0; ki < KH; ++ki)
      for (std::size_t kj = 0; kj < KW; ++kj) {
        value_color(kw[ki * KW + kj], m, o.colormap, rgb);
        for (std::size_t y = 0; y < o.scale; ++y)
          for (std::size_t x = 0; x < o.scale; ++x) std::copy(rgb, rgb + 3, img.at(x0 + kj * o.scale + x, y0 + ki * o.scale + y));
      }
  }
  for (std::size_t t = OC * C; C == 1 && t < g.rows * g.cols; ++t) {  // unused tiles of a wrapped grid: blank
    const std::size_t x0 = g.grid_x + (t % g.cols) * (g.tile_w + b), y0 = g.grid_y + (t / g.cols) * (g.tile_h + b);
    for (std::size_t y = 0; y < g.tile_h; ++y)
      for (std::size_t x = 0; x < g.tile_w; ++x) std::copy(kWhite, kWhite + 3, img.at(x0 + x, y0 + y));
  }
  if (o.legend) {
    // A colour bar from -m to +m, labelled with the range (or "per-kernel" when each tile has its own).
    const std::size_t y0 = title_h + grid_h + 4, x0 = 8, bar_w = width - 16;
    for (std::size_t x = 0; x < bar_w; ++x) {
      value_color(-1.f + 2.f * static_cast<float>(x) / static_cast<float>(bar_w - 1), 1.f, o.colormap, rgb);
      for (std::size_t y = 0; y < 10; ++y) std::copy(rgb, rgb + 3, img.at(x0 + x, y0 + y));
    }
    const bool per = o.scaling == KernelImageOptions::Scaling::per_kernel;
    const std::string lo = per ? "-max" : fmt(-global), hi = per ? "+max" : fmt(global);
    const std::string mid = per ? "0 (each kernel to its own max |w|)" : "0";
    draw_text(img, x0, y0 + 12, lo, kInk);
    draw_text(img, x0 + (bar_w - text_width(mid)) / 2, y0 + 12, mid, kInk);
    draw_text(img, x0 + bar_w - text_width(hi), y0 + 12, hi, kInk);
  }
  if (grid_out) *grid_out = g;
  return img;
}

KernelGrid save_kernels_png(const Conv2d& conv, const std::string& path, const KernelImageOptions& options) {
  KernelGrid g;
  const Image img = render_kernels(conv.weight().value, options, &g);
  save_png(path, img);
  return g;
}

Conv2d& conv_at(Sequential& model, const std::string& path) {
  std::string convs;
  for (auto& [p, layer] : named_layers(model)) {
    if (!dynamic_cast<Conv2d*>(layer)) continue;
    if (p == path) return dynamic_cast<Conv2d&>(*layer);
    convs += (convs.empty() ? "" : ", ") + p;
  }
  throw std::invalid_argument(path + " is not a Conv2d (conv layers: " + (convs.empty() ? "none" : convs) + ")");
}

std::vector<std::string> save_feature_maps_png(Sequential& model, const Tensor& x, const std::string& dir,
                                               const std::string& path) {
  if (x.dimension() != 3) throw std::invalid_argument("save_feature_maps_png: expected one input (C, H, W), got " + shape_str(x.shape()));
  std::vector<std::pair<std::string, Conv2d*>> convs;
  if (!path.empty()) convs.emplace_back(path, &conv_at(model, path));
  for (auto& [p, layer] : path.empty() ? named_layers(model) : NamedLayers{})
    if (auto* conv = dynamic_cast<Conv2d*>(layer)) convs.emplace_back(p, conv);
  Tensor batch = x;
  batch.reshape({1, x.shape(0), x.shape(1), x.shape(2)});
  {
    const TrainingModeGuard eval(model, false);
    model.forward(batch);  // every conv keeps its output until its next forward (the layer contract)
  }
  std::vector<std::string> written;
  for (const auto& [p, conv] : convs) {
    const Tensor& y = conv->output();  // (1, OC, OH, OW)
    Tensor maps = y;
    maps.reshape({y.shape(1), y.shape(2), y.shape(3)});
    const std::string file = dir + "/layer" + p + "_conv.png";
    save_png(file, render_feature_maps(maps, "layer " + p + ": " + conv->name()));
    written.push_back(file);
  }
  return written;
}

}  // namespace minicnn
