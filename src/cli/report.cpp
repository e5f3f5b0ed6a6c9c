#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <stb_image_write.h>

#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::cli {

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

std::string png_bytes(const Image& img) {
  std::string bytes;
  stbi_write_png_to_func(
      [](void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), n); },
      &bytes, static_cast<int>(img.width), static_cast<int>(img.height), static_cast<int>(img.channels), img.pixels.data(),
      static_cast<int>(img.width * img.channels));
  return bytes;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {
// 1, 2 or 5 times a power of ten, so that about n ticks cover the span.
double nice_step(double span, int n) {
  const double raw = span / std::max(n, 1), p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return b;
}
}  // namespace

std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                           const std::vector<Series>& series, int width, int height) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(y)) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double ystep = nice_step(y1 - y0, 5), xstep = nice_step(x1 - x0, 8);
  y0 = std::floor(y0 / ystep) * ystep;
  y1 = std::ceil(y1 / ystep) * ystep;
  const int L = 64, R = 170, T = 34, B = 46, pw = width - L - R, ph = height - T - B;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::ostringstream o;
  o.precision(5);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
    << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << width / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">" << html_escape(title) << "</text>\n";
  for (double y = y0; y <= y1 + ystep / 2; y += ystep)
    o << "<line x1=\"" << L << "\" x2=\"" << L + pw << "\" y1=\"" << py(y) << "\" y2=\"" << py(y)
      << "\" stroke=\"#ddd\"/><text x=\"" << L - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">" << num(y) << "</text>\n";
  for (double x = std::ceil(x0 / xstep) * xstep; x <= x1 + xstep / 2; x += xstep)
    o << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << T + ph << "\" y2=\"" << T + ph + 5
      << "\" stroke=\"#333\"/><text x=\"" << px(x) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\">" << num(x)
      << "</text>\n";
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph << "\" fill=\"none\" stroke=\"#333\"/>\n"
    << "<text x=\"" << L + pw / 2 << "\" y=\"" << height - 8 << "\" text-anchor=\"middle\">" << html_escape(x_label) << "</text>\n"
    << "<text transform=\"translate(14," << T + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(y_label)
    << "</text>\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"2\" points=\"";
    for (const auto& [x, y] : s.points)
      if (std::isfinite(y)) o << px(x) << "," << py(y) << " ";
    o << "\"/>\n";
    if (s.points.size() <= 20)
      for (const auto& [x, y] : s.points) o << "<circle cx=\"" << px(x) << "\" cy=\"" << py(y) << "\" r=\"3\" fill=\"" << s.color << "\"/>\n";
    const int ly = T + 14 + static_cast<int>(i) * 20;
    o << "<line x1=\"" << L + pw + 12 << "\" x2=\"" << L + pw + 34 << "\" y1=\"" << ly - 4 << "\" y2=\"" << ly - 4
      << "\" stroke=\"" << s.color << "\" stroke-width=\"3\"/><text x=\"" << L + pw + 40 << "\" y=\"" << ly << "\">"
      << html_escape(s.name) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

Image kernel_tile(const Tensor& k, float range, std::size_t scale) {
  Image img(k.shape(1) * scale, k.shape(0) * scale, 3);
  std::uint8_t rgb[3];
  for (std::size_t i = 0; i < k.shape(0); ++i)
    for (std::size_t j = 0; j < k.shape(1); ++j) {
      value_color(k(i, j), range, KernelImageOptions::ColorMap::diverging, rgb);
      for (std::size_t y = 0; y < scale; ++y)
        for (std::size_t x = 0; x < scale; ++x) std::copy(rgb, rgb + 3, img.at(j * scale + x, i * scale + y));
    }
  return img;
}

}  // namespace minicnn::cli
