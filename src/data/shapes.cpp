#include "minicnn/data/shapes.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "minicnn/core/init.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

namespace {

constexpr float kPi = 3.14159265f;
constexpr int kSuper = 4;  // samples per pixel side: the edges are anti-aliased

using Rgb = std::array<float, 3>;

float luma(const Rgb& c) { return 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2]; }

// A random colour whose brightness differs from `other` by at least 70 (of 255), so every shape
// stands out from its background in grey too.
Rgb contrasting(Rgb other, Rng& rng) {
  for (;;) {
    const Rgb c{rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)};
    if (std::abs(luma(c) - luma(other)) >= 70) return c;
  }
}

// Where the shape is: inside(x, y) for a point in pixel units.
struct Shape {
  int kind;  // index into shape_classes()
  float cx, cy, r, angle, period;
  bool inside(float x, float y) const {
    const float dx = x - cx, dy = y - cy;
    const float u = dx * std::cos(angle) + dy * std::sin(angle), v = -dx * std::sin(angle) + dy * std::cos(angle);
    switch (kind) {
      case 0: return dx * dx + dy * dy <= r * r;                               // circle
      case 1: return std::abs(u) <= r * 0.85f && std::abs(v) <= r * 0.85f;     // square
      case 2: return dx * dx + dy * dy <= r * r && std::fmod(u + 100 * period, period) < period / 2;  // stripes
      default:  // triangle: three half-planes of an equilateral triangle with circumradius r
        for (int k = 0; k < 3; ++k) {
          const float a = angle + k * 2 * kPi / 3;
          if (dx * std::cos(a) + dy * std::sin(a) > r / 2) return false;
        }
        return true;
    }
  }
};

void draw(std::size_t size, Rng& rng, int kind, std::uint8_t* out /* (3, size, size) planar */) {
  const Rgb bg{rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)};
  const Rgb fg = contrasting(bg, rng);
  const float S = static_cast<float>(size);
  Shape sh{kind, 0, 0, rng.uniform(0.2f, 0.36f) * S, rng.uniform(0, 2 * kPi), rng.uniform(3.f, 5.f)};
  sh.cx = rng.uniform(sh.r, S - sh.r);
  sh.cy = rng.uniform(sh.r, S - sh.r);
  // The background texture: two soft waves and a little noise per pixel.
  const float f1 = rng.uniform(0.05f, 0.2f), a1 = rng.uniform(0, kPi), f2 = rng.uniform(0.05f, 0.2f), a2 = rng.uniform(0, kPi);
  const float amp = rng.uniform(10, 25);
  for (std::size_t y = 0; y < size; ++y)
    for (std::size_t x = 0; x < size; ++x) {
      int hits = 0;
      for (int sy = 0; sy < kSuper; ++sy)
        for (int sx = 0; sx < kSuper; ++sx)
          hits += sh.inside(static_cast<float>(x) + (sx + 0.5f) / kSuper, static_cast<float>(y) + (sy + 0.5f) / kSuper);
      const float cover = static_cast<float>(hits) / (kSuper * kSuper);
      const float tex = amp * (std::sin(f1 * (x * std::cos(a1) + y * std::sin(a1)) * 2 * kPi) +
                               std::sin(f2 * (x * std::cos(a2) + y * std::sin(a2)) * 2 * kPi)) / 2 +
                        rng.uniform(-8, 8);
      for (std::size_t c = 0; c < 3; ++c) {
        const float v = cover * fg[c] + (1 - cover) * (bg[c] + tex);
        out[c * size * size + y * size + x] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
}


std::string safe_name(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ' ')) c = '-';
  if (s.empty() || s[0] == '.') s = "-" + s;
  return s;
}

}  // namespace

std::vector<std::string> shape_classes() { return {"circle", "square", "stripes", "triangle"}; }

Dataset make_shapes(std::size_t n, std::size_t size, std::uint64_t seed, std::size_t first) {
  if (size < 8 || size > 1024) throw std::invalid_argument("make_shapes: size must be 8..1024, got " + std::to_string(size));
  Dataset d;
  d.name = "shapes";
  d.channels = 3;
  d.rows = d.cols = size;
  d.classes = shape_classes();
  d.pixels.resize(n * 3 * size * size);
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng(seed * 0x9e3779b97f4a7c15ULL + first + i + 1);
    const int kind = static_cast<int>((first + i) % 4);
    draw(size, rng, kind, d.pixels.data() + i * 3 * size * size);
    d.labels.push_back(kind);
  }
  return d;
}

void save_image_folder(const Dataset& d, const std::string& dir) {
  // Named by each image's index in the full set (a subset's source indices), so test/2/0042.png is image 42.
  const std::size_t digits = std::to_string(d.size() ? d.source_index(d.size() - 1) : 0).size();
  for (const auto& c : d.classes) make_folders(dir + "/" + safe_name(c));
  for (std::size_t i = 0; i < d.size(); ++i) {
    const Image img = dataset_image(d, i);
    std::string index = std::to_string(d.source_index(i));
    index.insert(0, digits - index.size(), '0');
    save_png(dir + "/" + safe_name(d.classes[static_cast<std::size_t>(d.labels[i])]) + "/" + index + ".png", img, false);
  }
}

}  // namespace minicnn
