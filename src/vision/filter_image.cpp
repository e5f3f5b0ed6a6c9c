#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "minicnn/core/text.hpp"

#include <xtensor/xview.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
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

namespace {
// One value of a written kernel: a number, or a fraction "a/b" of two numbers.
bool parse_value(const std::string& text, double& v) {
  const std::size_t slash = text.find('/');
  auto number = [](const std::string& t, double& x) {
    if (t.empty() || std::isspace(static_cast<unsigned char>(t.front()))) return false;
    char* end = nullptr;
    x = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size() && std::isfinite(x);
  };
  if (slash == std::string::npos) return number(trim(text), v);
  double a = 0, b = 0;
  if (!number(trim(text.substr(0, slash)), a) || !number(trim(text.substr(slash + 1)), b) || b == 0) return false;
  v = a / b;
  return std::isfinite(v);
}
}  // namespace

Tensor parse_kernel(const std::string& text) {
  if (trim(text).empty())
    throw std::invalid_argument("no values (expected rows separated by ';', values by ',', e.g. \"0,-1,0;-1,5,-1;0,-1,0\")");
  // Split by hand: split_list() drops empty parts, and an empty value here is a typo to report.
  auto parts = [](const std::string& s, char sep) {
    std::vector<std::string> out(1);
    for (const char ch : s) {
      if (ch == sep) out.emplace_back();
      else out.back().push_back(ch);
    }
    return out;
  };
  std::vector<std::vector<double>> rows;
  for (const std::string& row : parts(text, ';')) {
    const std::string where = "row " + std::to_string(rows.size() + 1);
    rows.emplace_back();
    for (const std::string& cell : parts(row, ',')) {
      double v = 0;
      if (trim(cell).empty()) throw std::invalid_argument(where + " has an empty value");
      if (!parse_value(cell, v)) throw std::invalid_argument("'" + trim(cell) + "' in " + where + " is not a number or a fraction such as 1/9");
      rows.back().push_back(v);
    }
    if (rows.back().size() != rows.front().size())
      throw std::invalid_argument(where + " has " + std::to_string(rows.back().size()) + " values, row 1 has " +
                                  std::to_string(rows.front().size()) + " (rows are separated by ';', values by ',')");
  }
  if (rows.size() > kMaxKernelSide || rows.front().size() > kMaxKernelSide)
    throw std::invalid_argument("the kernel is " + std::to_string(rows.size()) + "x" + std::to_string(rows.front().size()) +
                                ", larger than " + std::to_string(kMaxKernelSide) + "x" + std::to_string(kMaxKernelSide));
  Tensor k = Tensor::from_shape({rows.size(), rows.front().size()});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) k(i, j) = static_cast<float>(rows[i][j]);
  return k;
}

std::size_t same_padding(std::size_t k) { return k > 0 ? (k - 1) / 2 : 0; }

Tensor image_planes(const Image& img) {
  Tensor x = Tensor::from_shape({img.channels, img.height, img.width});
  const std::size_t HW = img.width * img.height;
  for (std::size_t c = 0; c < img.channels; ++c)
    for (std::size_t k = 0; k < HW; ++k) x.data()[c * HW + k] = img.pixels[k * img.channels + c] / 255.f;
  return x;
}

Tensor apply_kernel(const Tensor& planes, const Tensor& kernel, std::size_t stride, Size2 padding) {
  if (planes.dimension() != 3 || planes.size() == 0)
    throw std::invalid_argument("apply_kernel: expected image planes (C, H, W), got " + shape_str(planes.shape()));
  if (kernel.dimension() != 2 || kernel.size() == 0)
    throw std::invalid_argument("apply_kernel: expected a kernel (KH, KW), got " + shape_str(kernel.shape()));
  if (stride == 0) throw std::invalid_argument("apply_kernel: stride must be at least 1");
  const std::size_t C = planes.shape(0), H = planes.shape(1), W = planes.shape(2), KH = kernel.shape(0), KW = kernel.shape(1);
  if (H + 2 * padding.h < KH || W + 2 * padding.w < KW)
    throw std::invalid_argument("the kernel (" + std::to_string(KH) + "x" + std::to_string(KW) + ") is larger than the image (" +
                                std::to_string(H) + "x" + std::to_string(W) + ") with padding " + std::to_string(padding.h));
  Conv2d conv(1, 1, Size2(KH, KW), stride, padding, /*bias=*/false);
  conv.set_kernel(0, 0, kernel);
  Tensor x = planes;
  x.reshape({C, 1, H, W});  // the channels as a batch of grey images: each filtered alone
  Tensor out = conv.forward(x);  // (C, 1, OH, OW)
  out.reshape({C, out.shape(2), out.shape(3)});
  return out;
}

Image response_image(const Tensor& r, Mapping m) {
  if (r.dimension() != 3) throw std::invalid_argument("response_image: expected responses (C, H, W), got " + shape_str(r.shape()));
  const std::size_t C = r.shape(0), H = r.shape(1), W = r.shape(2);
  Image out(W, H, C);
  for (std::size_t c = 0; c < C; ++c) {
    const Tensor p = map_to_pixels(Tensor(xt::view(r, c) * 255.f), m);
    for (std::size_t k = 0; k < H * W; ++k) out.pixels[k * C + c] = static_cast<std::uint8_t>(p.data()[k]);
  }
  return out;
}

namespace {
constexpr std::uint8_t kInk[3] = {0, 0, 0}, kGrey[3] = {90, 90, 90};

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '\n') out.push_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

Image to_rgb(const Image& img) {
  if (img.channels == 3) return img;
  if (img.channels != 1) throw std::invalid_argument("montage: panels must be gray or RGB");
  Image rgb(img.width, img.height, 3);
  for (std::size_t i = 0; i < img.width * img.height; ++i)
    rgb.pixels[3 * i] = rgb.pixels[3 * i + 1] = rgb.pixels[3 * i + 2] = img.pixels[i];
  return rgb;
}
}  // namespace

Image montage(const std::vector<Panel>& panels, const std::string& footnote) {
  if (panels.empty()) throw std::invalid_argument("montage: no panels");
  const std::size_t gap = 10, th = text_height();
  std::size_t w = gap, h = 0, label_h = 0;
  for (const auto& p : panels) {
    std::size_t tw = 0;
    for (const auto& l : lines_of(p.label)) tw = std::max(tw, text_width(l));
    const std::size_t inset_w = p.inset.width ? p.inset.width + 6 : 0;
    w += std::max(p.image.width, inset_w + tw) + gap;
    h = std::max(h, p.image.height);
    label_h = std::max({label_h, lines_of(p.label).size() * th, p.inset.height}) ;
  }
  std::size_t foot_h = 0, foot_w = 0;
  for (const auto& l : lines_of(footnote)) foot_h += footnote.empty() ? 0 : th, foot_w = std::max(foot_w, text_width(l));
  Image out(std::max(w, foot_w + 2 * gap), gap + label_h + 6 + h + gap + foot_h + (foot_h ? gap : 0), 3, 255);
  std::size_t x = gap;
  for (const auto& p : panels) {
    std::size_t tw = 0;
    for (const auto& l : lines_of(p.label)) tw = std::max(tw, text_width(l));
    const std::size_t inset_w = p.inset.width ? p.inset.width + 6 : 0, pw = std::max(p.image.width, inset_w + tw);
    if (p.inset.width) blit(out, to_rgb(p.inset), x, gap);
    std::size_t y = gap;
    for (const auto& l : lines_of(p.label)) draw_text(out, x + inset_w, y, l, kInk), y += th;
    blit(out, to_rgb(p.image), x + (pw - p.image.width) / 2, gap + label_h + 6);
    x += pw + gap;
  }
  std::size_t y = gap + label_h + 6 + h + gap;
  for (const auto& l : lines_of(footnote))
    if (!footnote.empty()) draw_text(out, gap, y, l, kGrey), y += th;
  return out;
}

Image kernel_card(const Tensor& k) {
  if (k.dimension() != 2) throw std::invalid_argument("kernel_card: expected a (KH, KW) kernel, got " + shape_str(k.shape()));
  const std::size_t KH = k.shape(0), KW = k.shape(1);
  const bool numbers = KH <= 5 && KW <= 5;
  // Values as short as they can be: "2", "-0.25" -> "-.25", so a 5x5 card stays small.
  auto text = [](double v) {
    char b[16];
    std::snprintf(b, sizeof b, std::abs(v - std::round(v)) < 5e-3 ? "%.0f" : "%.2f", v);
    std::string t = b;
    if (t.rfind("0.", 0) == 0) t.erase(0, 1);
    if (t.rfind("-0.", 0) == 0) t.erase(1, 1);
    return t == "-0" ? std::string("0") : t;
  };
  std::size_t cell = 14;
  if (numbers)
    for (const float v : k) cell = std::max(cell, text_width(text(v)) + 8);
  Image img(KW * cell + 1, KH * cell + 1, 3, 255);
  float m = 0;
  for (const float v : k) m = std::max(m, std::abs(v));
  for (std::size_t i = 0; i < KH; ++i)
    for (std::size_t j = 0; j < KW; ++j) {
      std::uint8_t c[3];
      value_color(k(i, j), m, KernelImageOptions::ColorMap::diverging, c);
      for (std::size_t y = 1; y < cell; ++y)
        for (std::size_t x = 1; x < cell; ++x) std::copy(c, c + 3, img.at(j * cell + x, i * cell + y));
      if (!numbers) continue;
      const std::string t = text(k(i, j));
      const bool dark = m > 0 && std::abs(k(i, j)) > 0.6f * m;  // white on strong colours, black on pale ones
      const std::uint8_t white[3] = {255, 255, 255};
      draw_text(img, j * cell + (cell + 1 - text_width(t)) / 2, i * cell + (cell - 14) / 2 + 1, t, dark ? white : kInk);
    }
  return img;
}

Image render_feature_maps(const Tensor& maps, const std::string& title, std::size_t min_tile, const Tensor* kernels) {
  if (maps.dimension() != 3 || maps.size() == 0)
    throw std::invalid_argument("render_feature_maps: expected maps (C, H, W), got " + shape_str(maps.shape()));
  const std::size_t C = maps.shape(0), H = maps.shape(1), W = maps.shape(2), th = text_height();
  const bool with_kernels = kernels && kernels->dimension() == 4 && kernels->shape(0) == C &&
                            (kernels->shape(1) == 1 || kernels->shape(1) == 3);
  const std::size_t s = std::max<std::size_t>(1, (min_tile + std::max(H, W) - 1) / std::max(H, W));
  // Each cell: the map's number above, the kernel that made it (if given) left of the map, as tall as it.
  KernelImageOptions ko;
  ko.legend = ko.labels = false, ko.border = 0;
  std::size_t kernel_w = 0;
  if (with_kernels) {
    ko.scale = std::max<std::size_t>(1, H * s / kernels->shape(2));
    ko.range = 0;
    for (const float v : *kernels) ko.range = std::max(ko.range, std::abs(v));
    kernel_w = kernels->shape(3) * ko.scale + 4;
  }
  const std::size_t cell_w = kernel_w + W * s, cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(C))));
  const std::size_t rows = (C + cols - 1) / cols, gap = 10, title_h = th + 6;
  std::vector<std::string> legend{"each map stretched from its own minimum (black) to maximum (white)"};
  if (with_kernels) legend.push_back("left of each map: the kernel that made it (blue < 0 < red, one scale for all)");
  std::size_t width = std::max(cols * (cell_w + gap) + gap, text_width(title) + 8);
  for (const auto& l : legend) width = std::max(width, text_width(l) + 8);
  Image img(width, title_h + rows * (th + H * s + gap) + gap + legend.size() * th + 4, 3, 255);
  draw_text(img, 4, 3, title, kInk);
  for (std::size_t c = 0; c < C; ++c) {
    const float* m = maps.data() + c * H * W;
    float lo = m[0], hi = m[0];
    for (std::size_t i = 0; i < H * W; ++i) lo = std::min(lo, m[i]), hi = std::max(hi, m[i]);
    const std::size_t x0 = gap + (c % cols) * (cell_w + gap), y0 = title_h + (c / cols) * (th + H * s + gap);
    draw_text(img, x0, y0, std::to_string(c), kGrey);
    if (with_kernels) {
      const Tensor one = xt::view(*kernels, xt::range(c, c + 1));
      blit(img, render_kernels(one, ko), x0, y0 + th);
    }
    for (std::size_t i = 0; i < H * s; ++i)
      for (std::size_t j = 0; j < W * s; ++j) {
        const float v = m[(i / s) * W + j / s];
        const auto g = static_cast<std::uint8_t>(hi > lo ? std::lround(255.f * (v - lo) / (hi - lo)) : 0);
        std::uint8_t* p = img.at(x0 + kernel_w + j, y0 + th + i);
        p[0] = p[1] = p[2] = g;
      }
  }
  for (std::size_t i = 0; i < legend.size(); ++i) draw_text(img, 4, img.height - (legend.size() - i) * th - 2, legend[i], kGrey);
  return img;
}

}  // namespace minicnn
