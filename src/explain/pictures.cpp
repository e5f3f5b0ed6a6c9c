#include "minicnn/explain/pictures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <xtensor/xview.hpp>

#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::explain {

namespace {

const std::uint8_t kInk[3] = {20, 20, 20}, kGrey[3] = {110, 110, 110};

// Nearest-neighbour enlargement by an integer factor.
Image enlarge(const Image& src, std::size_t f) {
  Image out(src.width * f, src.height * f, src.channels);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x)
      std::copy_n(src.pixels.data() + ((y / f) * src.width + x / f) * src.channels, src.channels, out.at(x, y));
  return out;
}

Image as_rgb(const Image& img) { return img.channels == 3 ? img : with_channels(img, 3); }

std::string number(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::abs(v) >= 100 || v == 0 ? "%.0f" : std::abs(v) >= 1 ? "%.1f" : "%.3g", static_cast<double>(v));
  return buf;
}

// The factor that makes a side of n pixels at least `at_least` pixels.
std::size_t zoom(std::size_t n, std::size_t at_least) { return std::max<std::size_t>(1, (at_least + n - 1) / n); }

// A heat colour for t in [0, 1]: black, purple, red, orange, yellow (like matplotlib's inferno).
void heat(float t, std::uint8_t rgb[3]) {
  static const float stops[5][3] = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};
  t = std::isfinite(t) ? std::clamp(t, 0.f, 1.f) * 4 : 0.f;
  const int i = std::min(3, static_cast<int>(t));
  const float f = t - static_cast<float>(i);
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<std::uint8_t>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
}

// "16.3 '7'": a crop's caption, its activation and its class.
std::string crop_caption(const TopActivation& t, const Dataset& data) {
  const std::string cls = t.label >= 0 && static_cast<std::size_t>(t.label) < data.classes.size() ? data.classes[t.label] : "?";
  return number(t.activation) + " '" + cls.substr(0, 8) + "'";
}

// text in lines of at most `width` pixels, broken at spaces (a word longer than that gets a line of its own).
std::vector<std::string> wrapped(const std::string& text, std::size_t width) {
  std::vector<std::string> lines{""};
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    const std::string word = text.substr(start, end - start);
    const std::string joined = lines.back().empty() ? word : lines.back() + " " + word;
    if (!lines.back().empty() && text_width(joined) > width) lines.push_back(word);
    else lines.back() = joined;
    start = end + 1;
  }
  return lines;
}

}  // namespace

Image dataset_crop(const Dataset& d, std::size_t i, const ReceptiveField::Window& w) {
  if (i >= d.size()) throw std::out_of_range("dataset_crop: image " + std::to_string(i) + " of " + std::to_string(d.size()));
  Image out(static_cast<std::size_t>(w.width), static_cast<std::size_t>(w.height), d.channels);
  const std::uint8_t* src = d.pixels.data() + i * d.sample_size();
  const std::size_t plane = d.rows * d.cols;
  for (long y = 0; y < w.height; ++y)
    for (long x = 0; x < w.width; ++x) {
      const long iy = w.top + y, ix = w.left + x;
      const bool inside = iy >= 0 && ix >= 0 && iy < static_cast<long>(d.rows) && ix < static_cast<long>(d.cols);
      for (std::size_t c = 0; c < d.channels; ++c)
        out.at(x, y)[c] = inside ? src[c * plane + iy * d.cols + ix] : (((x / 2) + (y / 2)) % 2 ? 200 : 230);
    }
  return out;
}

Image input_image(const Tensor& x, const Normalization& norm) {
  if (x.dimension() != 3) throw std::invalid_argument("input_image: expected one input (C, H, W), got " + shape_str(x.shape()));
  const std::size_t C = x.shape(0), H = x.shape(1), W = x.shape(2);
  Image img(W, H, C);
  for (std::size_t c = 0; c < C; ++c) {
    const float m = norm.empty() ? 0.f : norm.mean.at(norm.mean.size() == 1 ? 0 : c);
    const float s = norm.empty() ? 1.f : norm.std.at(norm.std.size() == 1 ? 0 : c);
    for (std::size_t i = 0; i < H * W; ++i)
      img.pixels[i * C + c] = static_cast<std::uint8_t>(std::lround(std::clamp((x.data()[c * H * W + i] * s + m) * 255.f, 0.f, 255.f)));
  }
  return img;
}

Image render_top_crops(const LayerTopActivations& top, const Dataset& data, const ReceptiveField& rf, const std::string& title) {
  std::size_t K = 0, caption_w = 0;
  for (const auto& list : top.channels) {
    K = std::max(K, list.size());
    for (const auto& t : list) caption_w = std::max(caption_w, text_width(crop_caption(t, data)));
  }
  const std::size_t cw = static_cast<std::size_t>(rf.x.size), ch = static_cast<std::size_t>(rf.y.size);
  const std::size_t f = zoom(std::min(cw, ch), 40), tw = std::max(cw * f, caption_w + 4);
  const std::size_t label_w = text_width("ch 999") + 12, th = ch * f + text_height() + 6, top_h = text_height() * 2 + 12;
  const std::size_t width = std::max(label_w + K * (tw + 6), text_width(title) + 16);
  Image img(width, top_h + top.channels.size() * th + 6, 3, 255);
  draw_text(img, 8, 6, title, kInk);
  draw_text(img, 8, 6 + text_height(), "each row: one channel's strongest test images, cut to what it sees", kGrey);
  for (std::size_t c = 0; c < top.channels.size(); ++c) {
    const std::size_t y0 = top_h + c * th;
    draw_text(img, 6, y0 + ch * f / 2, "ch " + std::to_string(c), kInk);
    for (const TopActivation& t : top.channels[c]) {
      const Image crop = as_rgb(enlarge(dataset_crop(data, t.image, rf.window(t.y, t.x)), f));
      const std::size_t x0 = label_w + t.rank * (tw + 6);
      blit(img, crop, x0, y0);
      draw_text(img, x0, y0 + ch * f + 2, crop_caption(t, data), kGrey);
    }
  }
  return img;
}

Image picture_crop(const Image& picture, const ReceptiveField::Window& w) {
  Dataset one;  // the picture as a one-image dataset, to cut it like the real ones
  one.channels = picture.channels, one.rows = picture.height, one.cols = picture.width, one.labels = {0};
  one.pixels.resize(picture.pixels.size());
  const std::size_t plane = picture.width * picture.height;
  for (std::size_t k = 0; k < plane; ++k)
    for (std::size_t q = 0; q < picture.channels; ++q) one.pixels[q * plane + k] = picture.pixels[k * picture.channels + q];
  return dataset_crop(one, 0, w);
}

Image render_synthesized(const Tensor& synth, const std::vector<std::pair<std::size_t, std::size_t>>& at, const Normalization& norm,
                         const LayerTopActivations& top, const Dataset& data, const ReceptiveField& rf, const std::string& title) {
  if (synth.dimension() != 4 || synth.shape(0) != top.channels.size() || at.size() != synth.shape(0))
    throw std::invalid_argument("render_synthesized: expected one input and one position per channel, got " + shape_str(synth.shape()) +
                                " and " + std::to_string(at.size()));
  const std::size_t cw = static_cast<std::size_t>(rf.x.size), ch = static_cast<std::size_t>(rf.y.size);
  const std::size_t f = zoom(std::min(cw, ch), 48), tw = cw * f + 8, th = ch * f + 10;
  const std::size_t label_w = text_width("ch 999") + 12;
  // As wide as the four pictures of a row (at least 360 px): the title and the legend wrap to it,
  // not the pictures to a one-line title (lenet5 layer 3: 1040 px, the pictures in the left third).
  const std::size_t width = std::max<std::size_t>(label_w + 4 * tw + 20, 360);
  const auto title_lines = wrapped(title, width - 16);
  const auto legend_lines = wrapped("left: the input made to excite the channel; right: its 3 strongest test images", width - 16);
  const std::size_t top_h = text_height() * (title_lines.size() + legend_lines.size()) + 12;
  Image img(width, top_h + synth.shape(0) * th, 3, 255);
  for (std::size_t i = 0; i < title_lines.size(); ++i) draw_text(img, 8, 6 + i * text_height(), title_lines[i], kInk);
  for (std::size_t i = 0; i < legend_lines.size(); ++i)
    draw_text(img, 8, 6 + (title_lines.size() + i) * text_height(), legend_lines[i], kGrey);
  for (std::size_t c = 0; c < synth.shape(0); ++c) {
    const std::size_t y0 = top_h + c * th;
    draw_text(img, 6, y0 + ch * f / 2, "ch " + std::to_string(c), kInk);
    const Image full = input_image(Tensor(xt::view(synth, c)), norm);
    blit(img, as_rgb(enlarge(picture_crop(full, rf.window(at[c].first, at[c].second)), f)), label_w, y0);
    const auto& list = top.channels[c];
    for (std::size_t r = 0; r < std::min<std::size_t>(3, list.size()); ++r)
      blit(img, as_rgb(enlarge(dataset_crop(data, list[r].image, rf.window(list[r].y, list[r].x)), f)), label_w + (r + 1) * tw + 12, y0);
  }
  return img;
}

Tensor upsample_bilinear(const Tensor& map, std::size_t H, std::size_t W) {
  if (map.dimension() != 2 || map.size() == 0) throw std::invalid_argument("upsample_bilinear: expected a map (h, w), got " + shape_str(map.shape()));
  const std::size_t h = map.shape(0), w = map.shape(1);
  Tensor out = Tensor::from_shape({H, W});
  auto coord = [](std::size_t o, std::size_t in, std::size_t out_n, std::size_t& i0, std::size_t& i1, float& f) {
    const float s = std::max(0.f, (static_cast<float>(o) + 0.5f) * static_cast<float>(in) / static_cast<float>(out_n) - 0.5f);
    i0 = std::min(in - 1, static_cast<std::size_t>(s));
    i1 = std::min(in - 1, i0 + 1);
    f = s - static_cast<float>(i0);
  };
  for (std::size_t y = 0; y < H; ++y) {
    std::size_t y0, y1, x0, x1;
    float fy, fx;
    coord(y, h, H, y0, y1, fy);
    for (std::size_t x = 0; x < W; ++x) {
      coord(x, w, W, x0, x1, fx);
      out(y, x) = (1 - fy) * ((1 - fx) * map(y0, x0) + fx * map(y0, x1)) + fy * ((1 - fx) * map(y1, x0) + fx * map(y1, x1));
    }
  }
  return out;
}

namespace {

// A map at the picture's size (enlarged bilinearly when smaller) and its colour scale: around 0
// when it has negative values, else from 0 to its largest value.
struct FittedMap {
  Tensor map;
  bool signed_map = false;
  float range = 0;
};
FittedMap fit(const Tensor& map_in, const Image& picture) {
  FittedMap f;
  f.map = map_in.shape() == Tensor::shape_type{picture.height, picture.width} ? map_in : upsample_bilinear(map_in, picture.height, picture.width);
  float lo = 0, hi = 0;
  for (const float v : f.map) lo = std::min(lo, v), hi = std::max(hi, v);
  f.signed_map = lo < 0;
  f.range = f.signed_map ? std::max(-lo, hi) : hi;
  return f;
}

}  // namespace

Image map_overlay(const Tensor& map_in, const Image& picture_in, Image* heat_out) {
  const Image picture = as_rgb(picture_in);
  const FittedMap fitted = fit(map_in, picture);
  const Tensor& map = fitted.map;
  const bool signed_map = fitted.signed_map;
  const float range = fitted.range;
  Image heat_img(picture.width, picture.height, 3), overlay = picture;
  for (std::size_t i = 0; i < map.size(); ++i) {
    std::uint8_t rgb[3];
    const float v = map.data()[i];
    if (signed_map) value_color(v, range, KernelImageOptions::ColorMap::diverging, rgb);
    else heat(range > 0 ? v / range : 0.f, rgb);
    const float a = range > 0 ? std::min(1.f, std::abs(v) / range) * 0.7f : 0.f;
    const float grey = (picture.pixels[i * 3] + picture.pixels[i * 3 + 1] + picture.pixels[i * 3 + 2]) / 3.f;
    for (int c = 0; c < 3; ++c) {
      heat_img.pixels[i * 3 + c] = rgb[c];
      overlay.pixels[i * 3 + c] = static_cast<std::uint8_t>(std::lround((1 - a) * grey + a * rgb[c]));
    }
  }
  if (heat_out) *heat_out = std::move(heat_img);
  return overlay;
}

Image render_map(const Tensor& map_in, const Tensor& input, const Normalization& norm, const std::string& title,
                 const std::string& caption) {
  const Image picture = as_rgb(input_image(input, norm));
  const FittedMap fitted = fit(map_in, picture);
  const bool signed_map = fitted.signed_map;
  const float range = fitted.range;
  Image heat_img;
  const Image overlay = map_overlay(fitted.map, picture, &heat_img);
  const std::size_t f = zoom(std::max(picture.width, picture.height), 224), S = picture.width * f, gap = 16;
  const std::size_t bar_h = 14, top_h = text_height() + 14, width = std::max(3 * S + 4 * gap, text_width(caption) + 2 * gap);
  Image img(width, top_h + picture.height * f + bar_h + 3 * text_height() + 24, 3, 255);
  draw_text(img, gap, 6, title, kInk);
  blit(img, enlarge(picture, f), gap, top_h);
  blit(img, enlarge(heat_img, f), 2 * gap + S, top_h);
  blit(img, enlarge(overlay, f), 3 * gap + 2 * S, top_h);
  const std::size_t by = top_h + picture.height * f + 8;
  for (std::size_t x = 0; x < S; ++x) {  // the colour bar under the map
    std::uint8_t rgb[3];
    const float t = static_cast<float>(x) / static_cast<float>(S - 1);
    if (signed_map) value_color((2 * t - 1) * range, range, KernelImageOptions::ColorMap::diverging, rgb);
    else heat(t, rgb);
    for (std::size_t y = by; y < by + bar_h; ++y) std::copy_n(rgb, 3, img.at(2 * gap + S + x, y));
  }
  const std::string left = number(signed_map ? -range : 0.f), right = number(range);
  draw_text(img, 2 * gap + S, by + bar_h + 2, left, kGrey);
  draw_text(img, 2 * gap + 2 * S - text_width(right), by + bar_h + 2, right, kGrey);
  draw_text(img, gap, by + bar_h + text_height() + 8, caption, kInk);
  if (range == 0)
    draw_text(img, gap, by + bar_h + 2 * text_height() + 10, "the map is 0 everywhere: nothing here raises the score by this measure",
              kGrey);
  return img;
}

}  // namespace minicnn::explain
