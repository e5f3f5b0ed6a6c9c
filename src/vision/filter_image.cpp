#include "minicnn/vision/filter_image.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace minicnn {

Mapping parse_mapping(const std::string& name) {
  if (name == "clip") return Mapping::clip;
  if (name == "abs") return Mapping::abs;
  if (name == "minmax") return Mapping::minmax;
  throw std::invalid_argument("unknown output mapping '" + name + "' (expected clip, abs or minmax)");
}

const char* mapping_name(Mapping m) {
  switch (m) {
    case Mapping::clip: return "clip";
    case Mapping::abs: return "abs";
    case Mapping::minmax: return "minmax";
  }
  return "clip";
}

Mapping default_mapping(filters::Kind kind) { return kind == filters::Kind::high_pass ? Mapping::abs : Mapping::clip; }

Tensor map_to_pixels(const Tensor& r, Mapping m) {
  Tensor out = Tensor::from_shape(r.shape());
  float lo = 0, hi = 0;
  if (r.size()) lo = hi = r.data()[0];
  for (const float v : r) lo = std::min(lo, v), hi = std::max(hi, v);
  // abs scales by the 99.5th percentile of |v|, not the maximum: the zero-padded border makes the
  // strongest "edges" of a photo, and scaling by them would leave every real edge nearly black.
  float amax = 0;
  if (m == Mapping::abs && r.size()) {
    std::vector<float> mags(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) mags[i] = std::abs(r.data()[i]);
    const std::size_t k = std::min(r.size() - 1, static_cast<std::size_t>(0.995 * static_cast<double>(r.size())));
    std::nth_element(mags.begin(), mags.begin() + static_cast<long>(k), mags.end());
    amax = mags[k];
    if (amax == 0) amax = *std::max_element(mags.begin(), mags.end());
  }
  for (std::size_t i = 0; i < r.size(); ++i) {
    const float v = r.data()[i];
    float p = 0;
    switch (m) {
      case Mapping::clip: p = std::clamp(v, 0.f, 255.f); break;
      case Mapping::abs: p = amax > 0 ? std::min(255.f, 255.f * std::abs(v) / amax) : 0.f; break;
      case Mapping::minmax: p = hi > lo ? 255.f * (v - lo) / (hi - lo) : 0.f; break;
    }
    out.data()[i] = std::round(p);
  }
  return out;
}

Tensor apply_filters(const Tensor& gray, const std::vector<std::string>& names) {
  if (gray.dimension() != 2 || gray.size() == 0)
    throw std::invalid_argument("apply_filters: expected a grayscale image (H, W), got " + shape_str(gray.shape()));
  auto conv = filters::make_conv(names);
  Tensor x = gray;
  x.reshape({1, 1, gray.shape(0), gray.shape(1)});
  const Tensor& y = conv->forward(x);  // (1, K, H, W)
  Tensor out = y;
  out.reshape({y.shape(1), y.shape(2), y.shape(3)});
  return out;
}

Image montage(const std::vector<std::pair<std::string, Image>>& panels, std::size_t label_scale) {
  if (panels.empty()) throw std::invalid_argument("montage: no panels");
  const std::size_t gap = 8, label_h = kTextHeight * label_scale + 4;
  std::size_t w = gap, h = 0;
  for (const auto& [label, img] : panels) {
    w += std::max(img.width, text_width(label, label_scale)) + gap;
    h = std::max(h, img.height);
  }
  Image out(w, h + label_h + 2 * gap, 3, 255);
  const std::uint8_t ink[3] = {0, 0, 0};
  std::size_t x = gap;
  for (const auto& [label, img] : panels) {
    const std::size_t pw = std::max(img.width, text_width(label, label_scale));
    draw_text(out, x + (pw - text_width(label, label_scale)) / 2, gap, label, ink, label_scale);
    Image rgb = img;
    if (img.channels == 1) {
      rgb = Image(img.width, img.height, 3);
      for (std::size_t i = 0; i < img.width * img.height; ++i)
        rgb.pixels[3 * i] = rgb.pixels[3 * i + 1] = rgb.pixels[3 * i + 2] = img.pixels[i];
    }
    if (rgb.channels != 3) throw std::invalid_argument("montage: panels must be gray or RGB");
    blit(out, rgb, x + (pw - img.width) / 2, gap + label_h);
    x += pw + gap;
  }
  return out;
}

Image render_feature_maps(const Tensor& maps, const std::string& title, std::size_t min_tile) {
  if (maps.dimension() != 3 || maps.size() == 0)
    throw std::invalid_argument("render_feature_maps: expected maps (C, H, W), got " + shape_str(maps.shape()));
  const std::size_t C = maps.shape(0), H = maps.shape(1), W = maps.shape(2);
  const std::size_t s = std::max<std::size_t>(1, (min_tile + std::max(H, W) - 1) / std::max(H, W));
  const std::size_t cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(C))));
  const std::size_t rows = (C + cols - 1) / cols, gap = 2, title_h = kTextHeight + 6;
  Image img(std::max(cols * (W * s + gap) + gap, text_width(title) + 8), title_h + rows * (H * s + gap) + gap, 3, 255);
  const std::uint8_t ink[3] = {0, 0, 0};
  draw_text(img, 4, 3, title, ink);
  for (std::size_t c = 0; c < C; ++c) {
    const float* m = maps.data() + c * H * W;
    float lo = m[0], hi = m[0];
    for (std::size_t i = 0; i < H * W; ++i) lo = std::min(lo, m[i]), hi = std::max(hi, m[i]);
    const std::size_t x0 = gap + (c % cols) * (W * s + gap), y0 = title_h + gap + (c / cols) * (H * s + gap);
    for (std::size_t i = 0; i < H * s; ++i)
      for (std::size_t j = 0; j < W * s; ++j) {
        const float v = m[(i / s) * W + j / s];
        const auto g = static_cast<std::uint8_t>(hi > lo ? std::lround(255.f * (v - lo) / (hi - lo)) : 0);
        std::uint8_t* p = img.at(x0 + j, y0 + i);
        p[0] = p[1] = p[2] = g;
      }
  }
  return img;
}

}  // namespace minicnn
