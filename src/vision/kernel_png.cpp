#include "minicnn/vision/kernel_png.hpp"

#include <algorithm>
#include <map>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "minicnn/vision/filter_image.hpp"

namespace minicnn {

namespace {
// ColorBrewer RdBu end points: clearly signed, and readable for red-green colour blindness.
constexpr std::uint8_t kBlue[3] = {33, 102, 172}, kRed[3] = {178, 24, 43}, kWhite[3] = {255, 255, 255};
constexpr std::uint8_t kSeparator[3] = {64, 64, 64}, kInk[3] = {0, 0, 0}, kGreyInk[3] = {90, 90, 90};

std::string fmt(float v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.3g", static_cast<double>(v));
  return b;
}

float max_abs(const float* p, std::size_t n) {
  float m = 0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::isfinite(p[i]) ? std::abs(p[i]) : 0.f);
  return m;
}

void fill(Image& img, std::size_t x0, std::size_t y0, std::size_t w, std::size_t h, const std::uint8_t* rgb) {
  for (std::size_t y = y0; y < y0 + h && y < img.height; ++y)
    for (std::size_t x = x0; x < x0 + w && x < img.width; ++x) std::copy(rgb, rgb + 3, img.at(x, y));
}

// What the colours of a kernel picture mean, in words.
std::string legend_text(const KernelGrid& g, const KernelImageOptions& o) {
  std::string what = g.rgb ? "red, green, blue = weights on the R, G, B inputs; grey = 0"
                     : o.colormap == KernelImageOptions::ColorMap::grayscale ? "dark < 0 < light; mid-grey = 0"
                                                                             : "blue < 0 < red; white = 0";
  return what + (o.scaling == KernelImageOptions::Scaling::per_kernel ? "; each kernel scaled to its own max"
                                                                      : "; one scale for all kernels");
}

// The layout: where the grid, its labels, the title and the legend go.
struct Layout {
  std::size_t label_w = 0, caption_h = 0, header_h = 0, title_h = 0, legend_h = 0, width = 0, height = 0, grid_w = 0, grid_h = 0;
};

Layout plan(const KernelGrid& g, const KernelImageOptions& o, bool wrapped) {
  Layout L;
  const std::size_t b = o.border, th = text_height();
  L.title_h = o.title.empty() ? 0 : th + 6;
  L.caption_h = o.labels && wrapped ? th : 0;                      // each tile's output channel above it
  L.label_w = o.labels && !wrapped ? text_width("out 000") + 6 : 0;  // row labels
  L.header_h = o.labels && !wrapped ? th : 0;                       // "in c" over the columns
  L.grid_w = g.cols * (g.tile_w + b) + b;
  L.grid_h = g.rows * (g.tile_h + L.caption_h + b) + b;
  L.legend_h = o.legend ? 14 + 2 * th + 6 : 0;
  L.width = std::max({L.label_w + L.grid_w + 8, o.title.empty() ? 0 : text_width(o.title) + 8,
                      o.legend ? text_width(legend_text(g, o)) + 16 : 0});
  L.height = L.title_h + L.header_h + L.grid_h + L.legend_h;
  return L;
}

void draw_tile(Image& img, const float* k, std::size_t KH, std::size_t KW, std::size_t plane, bool rgb, float m,
               const KernelImageOptions& o, std::size_t x0, std::size_t y0) {
  std::uint8_t c[3];
  for (std::size_t ki = 0; ki < KH; ++ki)
    for (std::size_t kj = 0; kj < KW; ++kj) {
      if (rgb) {  // channel ch's weight -> that colour's brightness, 0 at mid-grey
        for (std::size_t ch = 0; ch < 3; ++ch) {
          const float v = k[ch * plane + ki * KW + kj];
          const float t = m > 0 && std::isfinite(v) ? std::clamp(v / m, -1.f, 1.f) : 0.f;
          c[ch] = static_cast<std::uint8_t>(std::lround(127.5f + 127.5f * t - (t == 0 ? 0.5f : 0.f)));
        }
      } else {
        value_color(k[ki * KW + kj], m, o.colormap, c);
      }
      fill(img, x0 + kj * o.scale, y0 + ki * o.scale, o.scale, o.scale, c);
    }
}

void draw_legend(Image& img, const Layout& L, const KernelGrid& g, const KernelImageOptions& o) {
  const std::size_t y0 = L.title_h + L.header_h + L.grid_h + 6, x0 = 8, bar_w = L.width - 16, th = text_height();
  std::uint8_t c[3];
  for (std::size_t x = 0; x < bar_w; ++x) {
    const float t = -1.f + 2.f * static_cast<float>(x) / static_cast<float>(bar_w - 1);
    if (g.rgb) c[0] = c[1] = c[2] = static_cast<std::uint8_t>(std::lround(127.5f + 127.5f * t));
    else value_color(t, 1.f, o.colormap, c);
    fill(img, x0 + x, y0, 1, 10, c);
  }
  const bool per = o.scaling == KernelImageOptions::Scaling::per_kernel;
  const std::string lo = per ? "-max" : fmt(-g.range), hi = per ? "+max" : fmt(g.range);
  draw_text(img, x0, y0 + 12, lo, kInk);
  draw_text(img, x0 + (bar_w - text_width("0")) / 2, y0 + 12, "0", kInk);
  draw_text(img, x0 + bar_w - text_width(hi), y0 + 12, hi, kInk);
  draw_text(img, x0, y0 + 12 + th, legend_text(g, o), kGreyInk);
}

void draw_labels(Image& img, const Layout& L, const KernelGrid& g, std::size_t OC, bool wrapped) {
  if (wrapped) {
    const std::size_t step = (text_width(std::to_string(OC - 1)) + 4 + g.pitch_x - 1) / g.pitch_x;  // as below
    for (std::size_t t = 0; t < OC; ++t)
      if ((t % g.cols) % step == 0)
        draw_text(img, g.grid_x + (t % g.cols) * g.pitch_x, g.grid_y + (t / g.cols) * g.pitch_y - L.caption_h + 1,
                  std::to_string(t), kGreyInk);
    return;
  }
  // Input channels as bare numbers under "in" (in the row labels' column), each centred on its
  // column; where the widest number does not fit a column, every k-th is labelled, so labels never
  // run into each other at any channel count or tile size. The same for the rows.
  const std::size_t num_w = text_width(std::to_string(g.cols - 1)) + 6;
  const std::size_t col_step = (num_w + g.pitch_x - 1) / g.pitch_x;
  draw_text(img, 4, L.title_h + 2, "in", kGreyInk);
  for (std::size_t c = 0; c < g.cols; c += col_step) {
    const std::string n = std::to_string(c);
    const std::size_t w = text_width(n);
    draw_text(img, g.grid_x + c * g.pitch_x + (g.tile_w > w ? (g.tile_w - w) / 2 : 0), L.title_h + 2, n, kGreyInk);
  }
  const std::size_t row_step = (text_height() + g.pitch_y - 1) / g.pitch_y;
  for (std::size_t r = 0; r < g.rows; r += row_step)
    draw_text(img, 4, g.grid_y + r * g.pitch_y + (g.tile_h > text_height() ? (g.tile_h - text_height()) / 2 : 0),
              "out " + std::to_string(r), kGreyInk);
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
  if (o.view == KernelImageOptions::View::rgb && C != 3)
    throw std::invalid_argument("render_kernels: the rgb view needs 3 input channels, got " + std::to_string(C));
  KernelGrid g;
  g.rgb = o.view == KernelImageOptions::View::rgb || (o.view == KernelImageOptions::View::automatic && C == 3);
  const bool wrapped = C == 1 || g.rgb;
  g.cols = wrapped ? static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(OC)))) : C;
  g.rows = wrapped ? (OC + g.cols - 1) / g.cols : OC;
  g.tile_w = KW * o.scale;
  g.tile_h = KH * o.scale;
  // RGB tiles are told apart by white gaps: a thin dark line vanishes between coloured tiles.
  KernelImageOptions oo = o;
  if (g.rgb) oo.border = std::max<std::size_t>(o.border, 4);
  const Layout L = plan(g, oo, wrapped);
  const std::size_t b = oo.border;
  g.pitch_x = g.tile_w + b;
  g.pitch_y = g.tile_h + L.caption_h + b;
  Image img(L.width, L.height, 3, 255);
  g.grid_x = (L.label_w ? L.label_w : (L.width - L.grid_w) / 2) + b;  // next to the row labels, else centred
  g.grid_y = L.title_h + L.header_h + b + L.caption_h;
  if (!o.title.empty()) draw_text(img, 4, 3, o.title, kInk);
  g.range = o.range > 0 ? o.range : max_abs(w.data(), w.size());
  fill(img, g.grid_x - b, L.title_h + L.header_h, L.grid_w, L.grid_h, g.rgb ? kWhite : kSeparator);
  const std::size_t tiles = wrapped ? OC : OC * C;
  for (std::size_t t = 0; t < g.rows * g.cols; ++t) {
    const std::size_t x0 = g.grid_x + (t % g.cols) * g.pitch_x, y0 = g.grid_y + (t / g.cols) * g.pitch_y;
    if (L.caption_h) fill(img, x0 - b, y0 - L.caption_h, g.tile_w + 2 * b, L.caption_h, kWhite);  // caption strip
    if (t >= tiles) {  // unused tiles of a wrapped grid: blank
      fill(img, x0, y0, g.tile_w, g.tile_h, kWhite);
      continue;
    }
    const float* k = w.data() + t * (g.rgb ? C : 1) * KK;
    float m = g.range;
    if (o.scaling == KernelImageOptions::Scaling::per_kernel) m = max_abs(k, (g.rgb ? C : 1) * KK);
    draw_tile(img, k, KH, KW, KK, g.rgb, m, o, x0, y0);
  }
  if (o.labels) draw_labels(img, L, g, OC, wrapped);
  if (o.legend) draw_legend(img, L, g, o);
  if (grid_out) *grid_out = g;
  return img;
}

Image kernel_tile(const Tensor& k, float range, std::size_t scale) {
  if (k.dimension() != 2) throw std::invalid_argument("kernel_tile: expected a (KH, KW) kernel, got " + shape_str(k.shape()));
  Image img(k.shape(1) * scale, k.shape(0) * scale, 3);
  KernelImageOptions o;
  o.scale = scale;
  draw_tile(img, k.data(), k.shape(0), k.shape(1), k.size(), false, range, o, 0, 0);
  return img;
}

Image render_legend(float range, const KernelImageOptions& o) {
  KernelGrid g;
  g.range = range;
  g.rgb = o.view == KernelImageOptions::View::rgb;
  Layout L;
  L.width = text_width(legend_text(g, o)) + 16;
  L.legend_h = 14 + 2 * text_height() + 6;
  Image img(L.width, L.legend_h + 6, 3, 255);
  draw_legend(img, L, g, o);
  return img;
}

KernelGrid save_kernels_png(const Conv2d& conv, const std::string& path, const KernelImageOptions& options) {
  KernelGrid g;
  const Image img = render_kernels(conv.weight().value, options, &g);
  save_png(path, img);
  return g;
}

Image filmstrip(const std::vector<std::pair<std::string, Image>>& frames, const std::string& title, const Image& legend) {
  if (frames.empty()) throw std::invalid_argument("filmstrip: no frames");
  const std::size_t th = text_height(), gap = 10, title_h = title.empty() ? 0 : th + 8;
  std::size_t w = gap, h = 0;
  for (const auto& [caption, f] : frames) w += std::max(f.width, text_width(caption)) + gap, h = std::max(h, f.height);
  w = std::max({w, text_width(title) + 2 * gap, legend.width + 2 * gap});
  Image strip(w, title_h + th + 4 + h + gap + legend.height + (legend.height ? gap : 0), 3, 255);
  const std::uint8_t ink[3] = {0, 0, 0};
  if (!title.empty()) draw_text(strip, gap, 4, title, ink);
  std::size_t x = gap;
  for (const auto& [caption, f] : frames) {
    draw_text(strip, x, title_h, caption, ink);
    blit(strip, f, x, title_h + th + 4);
    x += std::max(f.width, text_width(caption)) + gap;
  }
  if (legend.height) blit(strip, legend, gap, title_h + th + 4 + h + gap);
  return strip;
}

Image kernel_filmstrip(const std::vector<std::pair<std::size_t, Tensor>>& history, const std::string& title) {
  if (history.empty()) throw std::invalid_argument("kernel_filmstrip: no kernels");
  KernelImageOptions o;
  o.legend = false;
  o.labels = false;
  for (const auto& [e, w] : history)
    for (const float v : w) o.range = std::max(o.range, std::isfinite(v) ? std::abs(v) : 0.f);
  std::vector<std::pair<std::string, Image>> frames;
  KernelGrid grid;
  for (const auto& [e, w] : history) frames.emplace_back("epoch " + std::to_string(e), render_kernels(w, o, &grid));
  KernelImageOptions legend = o;
  legend.legend = true;
  legend.view = grid.rgb ? KernelImageOptions::View::rgb : KernelImageOptions::View::per_channel;  // as the tiles were drawn
  return filmstrip(frames, title, render_legend(o.range, legend));
}

namespace {
// "relu" from "ReLU()", "maxpool2d" from "MaxPool2d(kernel_size=2, ...)": a file-name word.
std::string kind_word(const Layer& layer) {
  std::string kind = layer.name().substr(0, layer.name().find('('));
  for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return kind;
}
}  // namespace

std::vector<std::string> save_feature_maps_png(Sequential& model, const Tensor& x, const std::string& dir,
                                               const std::string& path, bool all_layers) {
  if (x.dimension() != 3) throw std::invalid_argument("save_feature_maps_png: expected one input (C, H, W), got " + shape_str(x.shape()));
  if (!path.empty()) conv_at(model, path);  // throws for a path that names no conv
  Tensor batch = x;
  batch.reshape({1, x.shape(0), x.shape(1), x.shape(2)});
  // One pass, top-level layer by layer: every conv (inside blocks too) keeps its output until its
  // next forward (the layer contract), and the other top-level outputs are copied as they pass.
  std::map<std::string, Tensor> outputs;
  {
    const TrainingModeGuard eval(model, false);
    const Tensor* h = &batch;
    for (std::size_t i = 0; i < model.size(); ++i) {
      h = &model[i].forward(*h);
      if (all_layers && h->dimension() == 4) outputs[std::to_string(i)] = *h;
    }
  }
  std::vector<std::string> written;
  for (auto& [p, layer] : named_layers(model)) {
    auto* conv = dynamic_cast<Conv2d*>(layer);
    if (!path.empty() ? p != path : !conv && !outputs.count(p)) continue;
    const Tensor& y = conv ? conv->output() : outputs[p];  // (1, C, H, W)
    Tensor maps = y;
    maps.reshape({y.shape(1), y.shape(2), y.shape(3)});
    const std::string file = dir + "/layer" + p + "_" + (conv ? "conv" : kind_word(*layer)) + ".png";
    // The first layer's maps are drawn beside the kernels that made them from the picture itself.
    const Tensor* kernels = conv && p == "0" ? &conv->weight().value : nullptr;
    save_png(file, render_feature_maps(maps, "layer " + p + ": " + layer->name(), 64, kernels));
    written.push_back(file);
  }
  return written;
}

}  // namespace minicnn
