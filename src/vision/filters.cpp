#include "minicnn/vision/filters.hpp"

#include "minicnn/core/text.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minicnn::filters {

namespace {
Tensor k3(std::initializer_list<float> v, float scale = 1.f) {
  Tensor t = Tensor::from_shape({3, 3});
  std::size_t i = 0;
  for (const float x : v) t.data()[i++] = x * scale;
  return t;
}
Tensor transposed(const Tensor& k) {
  Tensor t = Tensor::from_shape({k.shape(1), k.shape(0)});
  for (std::size_t i = 0; i < k.shape(0); ++i)
    for (std::size_t j = 0; j < k.shape(1); ++j) t(j, i) = k(i, j);
  return t;
}
Filter filter(std::string name, std::string description, Tensor kernel) {
  const Kind kind = kind_of(kernel);
  return {std::move(name), std::move(description), kind, std::move(kernel)};
}
Tensor outer(const std::vector<float>& v, float scale) {
  Tensor t = Tensor::from_shape({v.size(), v.size()});
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = 0; j < v.size(); ++j) t(i, j) = v[i] * v[j] * scale;
  return t;
}
}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::low_pass: return "low-pass";
    case Kind::high_pass: return "high-pass";
    case Kind::mixed: return "mixed";
    case Kind::all_pass: return "all-pass";
  }
  return "mixed";
}

Kind kind_of(const Tensor& kernel) {
  double sum = 0, l1 = 0;
  std::size_t nonzero = 0;
  for (const float v : kernel) sum += v, l1 += std::abs(v), nonzero += v != 0.f;
  if (nonzero == 1) return Kind::all_pass;
  const double r = l1 > 0 ? std::abs(sum) / l1 : 0.0;
  return r >= 0.5 ? Kind::low_pass : r <= 0.1 ? Kind::high_pass : Kind::mixed;
}

Tensor identity() { return k3({0, 0, 0, 0, 1, 0, 0, 0, 0}); }
Tensor box_blur() { return k3({1, 1, 1, 1, 1, 1, 1, 1, 1}, 1.f / 9.f); }
Tensor gaussian3() { return outer({1, 2, 1}, 1.f / 16.f); }
Tensor gaussian5() { return outer({1, 4, 6, 4, 1}, 1.f / 256.f); }
Tensor sharpen() { return k3({0, -1, 0, -1, 5, -1, 0, -1, 0}); }
Tensor laplacian8() { return k3({-1, -1, -1, -1, 8, -1, -1, -1, -1}); }
Tensor laplacian4() { return k3({0, -1, 0, -1, 4, -1, 0, -1, 0}); }
Tensor sobel_x() { return k3({-1, 0, 1, -2, 0, 2, -1, 0, 1}); }
Tensor sobel_y() { return transposed(sobel_x()); }
Tensor prewitt_x() { return k3({-1, 0, 1, -1, 0, 1, -1, 0, 1}); }
Tensor prewitt_y() { return transposed(prewitt_x()); }
Tensor scharr_x() { return k3({-3, 0, 3, -10, 0, 10, -3, 0, 3}); }
Tensor scharr_y() { return transposed(scharr_x()); }
Tensor emboss() { return k3({-2, -1, 0, -1, 1, 1, 0, 1, 2}); }

// g(x, y) = exp(-(x'^2 + gamma^2 y'^2) / (2 sigma^2)) cos(2 pi x' / wavelength),
// x' = x cos(theta) + y sin(theta), y' = -x sin(theta) + y cos(theta); then the mean is removed
// (so flat areas give 0) and the kernel scaled to unit L2 norm.
Tensor gabor(std::size_t size, float theta_degrees, float wavelength, float sigma, float gamma) {
  if (size == 0 || size % 2 == 0 || size > 63)
    throw std::invalid_argument("filters::gabor: size must be odd and 1..63, got " + std::to_string(size));
  if (!(wavelength > 0)) throw std::invalid_argument("filters::gabor: wavelength must be > 0");
  if (sigma <= 0) sigma = 0.5f * wavelength;
  const double th = theta_degrees * M_PI / 180.0, c = (size - 1) / 2.0;
  Tensor k = Tensor::from_shape({size, size});
  double mean = 0;
  for (std::size_t i = 0; i < size; ++i)
    for (std::size_t j = 0; j < size; ++j) {
      const double x = j - c, y = i - c;  // x to the right, y down (image coordinates)
      const double xr = x * std::cos(th) + y * std::sin(th), yr = -x * std::sin(th) + y * std::cos(th);
      k(i, j) = static_cast<float>(std::exp(-(xr * xr + gamma * gamma * yr * yr) / (2.0 * sigma * sigma)) *
                                   std::cos(2.0 * M_PI * xr / wavelength));
      mean += k(i, j);
    }
  mean /= static_cast<double>(size * size);
  double norm = 0;
  for (auto& v : k) v = static_cast<float>(v - mean), norm += static_cast<double>(v) * v;
  if (norm > 0)
    for (auto& v : k) v = static_cast<float>(v / std::sqrt(norm));
  return k;
}

const std::vector<Filter>& bank() {
  static const std::vector<Filter> b = [] {
    std::vector<Filter> f{
        filter("identity", "passes the image through unchanged", identity()),
        filter("box_blur", "3x3 mean: smooths noise and detail equally in every direction", box_blur()),
        filter("gaussian3", "3x3 Gaussian blur: smooths, weighting the centre most", gaussian3()),
        filter("gaussian5", "5x5 Gaussian blur: a wider, smoother blur", gaussian5()),
        filter("sharpen", "adds the Laplacian back: boosts edges and fine detail", sharpen()),
        filter("laplacian8", "edge detector: responds to intensity changes in every direction", laplacian8()),
        filter("laplacian4", "edge detector along rows and columns (4 neighbours)", laplacian4()),
        filter("sobel_x", "vertical edges: positive where it gets brighter to the right", sobel_x()),
        filter("sobel_y", "horizontal edges: positive where it gets brighter downwards", sobel_y()),
        filter("prewitt_x", "vertical edges, unweighted rows", prewitt_x()),
        filter("prewitt_y", "horizontal edges, unweighted columns", prewitt_y()),
        filter("scharr_x", "vertical edges, most rotation-invariant 3x3 derivative", scharr_x()),
        filter("scharr_y", "horizontal edges, most rotation-invariant 3x3 derivative", scharr_y()),
        filter("emboss", "relief effect: lights edges facing down-right, shades the others", emboss()),
    };
    for (const int deg : {0, 45, 90, 135})
      f.push_back(filter("gabor" + std::to_string(deg),
                   "5x5 Gabor: stripes and edges at " + std::to_string(deg) + " degrees, wavelength 4 px",
                          gabor(5, static_cast<float>(deg))));
    return f;
  }();
  return b;
}

std::vector<std::string> names() {
  std::vector<std::string> n;
  for (const auto& f : bank()) n.push_back(f.name);
  return n;
}

Filter get(const std::string& name) {
  const std::string canonical = name == "edge" ? "laplacian8" : name == "blur" ? "box_blur" : name == "gaussian" ? "gaussian3" : name;
  for (const auto& f : bank())
    if (f.name == canonical) return f;
  if (canonical.rfind("gabor", 0) == 0 && canonical.size() > 5 && canonical.size() < 9 &&
      canonical.find_first_not_of("0123456789", 5) == std::string::npos) {
    const int deg = std::stoi(canonical.substr(5));
    return filter(canonical, "5x5 Gabor at " + std::to_string(deg) + " degrees, wavelength 4 px", gabor(5, static_cast<float>(deg)));
  }
  std::vector<std::string> known = names();
  const std::string all = join(known);
  known.insert(known.end(), {"edge", "blur", "gaussian"});
  throw std::invalid_argument("unknown filter '" + name + "' (known: " + all + "; aliases edge, blur, gaussian; gaborN for any angle)" +
                              suggestion(name, known));
}

std::unique_ptr<Conv2d> make_conv(const std::vector<std::string>& which, bool frozen) {
  if (which.empty()) throw std::invalid_argument("filters::make_conv: no filters named");
  std::vector<Filter> fs;
  std::size_t K = 1;
  for (const auto& n : which) {
    fs.push_back(get(n));
    K = std::max(K, fs.back().kernel.shape(0));
  }
  auto conv = std::make_unique<Conv2d>(1, fs.size(), K, 1, K / 2, /*bias=*/false);
  set_handset(*conv, which);
  conv->weight().frozen = frozen;
  return conv;
}

std::vector<std::string> default_handset(std::size_t n, std::size_t K) {
  const std::vector<std::string> order =
      K >= 5 ? std::vector<std::string>{"sobel_x", "sobel_y", "laplacian8", "sharpen", "gaussian5", "gabor45", "gabor135",
                                        "gabor0", "gabor90", "emboss", "laplacian4", "scharr_x", "scharr_y", "prewitt_x",
                                        "prewitt_y", "box_blur"}
             : std::vector<std::string>{"sobel_x", "sobel_y", "laplacian8", "sharpen", "gaussian3", "emboss", "laplacian4",
                                        "scharr_x", "scharr_y", "prewitt_x", "prewitt_y", "box_blur"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(order[i % order.size()]);
  return out;
}

const char* scale_name(HandsetScale s) {
  return s == HandsetScale::init ? "init" : s == HandsetScale::unit ? "unit" : "raw";
}
const char* color_name(HandsetColor c) { return c == HandsetColor::luma ? "luma" : "gray"; }

float init_kernel_norm(const Conv2dOptions& o) {
  const double fan_in = static_cast<double>(o.in_channels() / o.groups() * o.kernel_size().h * o.kernel_size().w);
  const double b = 1.0 / std::sqrt(fan_in);  // Conv2d's kaiming_uniform(a = sqrt(5)) bound
  return static_cast<float>(std::sqrt(fan_in * b * b / 3.0));
}

float init_kernel_dc_gain(const Conv2dOptions& o) { return init_kernel_norm(o); }  // the same sum of variances

double init_scale(const Conv2dOptions& o, double norm, double sum) {
  double s = norm > 0 ? init_kernel_norm(o) / norm : 1.0;
  if (std::abs(sum) > 0) s = std::min(s, init_kernel_dc_gain(o) / std::abs(sum));
  return s;
}

std::vector<float> channel_weights(std::size_t channels, HandsetColor color) {
  if (color == HandsetColor::luma && channels == 3) return {0.299f, 0.587f, 0.114f};
  return std::vector<float>(channels, 1.f / static_cast<float>(channels));
}

std::string handset_problem(const Conv2dOptions& o, const std::vector<std::string>& names) {
  const std::string k = std::to_string(o.kernel_size().h) + "x" + std::to_string(o.kernel_size().w);
  if (o.groups() != 1) return "it is grouped (groups=" + std::to_string(o.groups()) + "): hand-set filters need groups=1";
  if (!o.kernel_size().square() || o.kernel_size().h < 3)
    return "its kernel is " + k + ": hand-set filters need a square kernel of at least 3x3";
  if (names.size() != o.out_channels())
    return std::to_string(names.size()) + " filter" + (names.size() == 1 ? " was" : "s were") + " named for its " +
           std::to_string(o.out_channels()) + " output channels (name exactly one per channel)";
  for (const auto& name : names) {
    Filter f;
    try {
      f = get(name);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    const std::size_t n = f.kernel.shape(0);
    if (n > o.kernel_size().h)
      return "filter " + f.name + " (" + std::to_string(n) + "x" + std::to_string(n) + ") is larger than its " + k + " kernel";
  }
  return "";
}

void set_handset(Conv2d& conv, const std::vector<std::string>& names, const HandsetOptions& options) {
  const auto& o = conv.options();
  const std::string problem = handset_problem(o, names);
  if (!problem.empty()) throw std::invalid_argument("filters::set_handset: " + conv.name() + ": " + problem);
  const std::size_t K = o.kernel_size().h, C = o.in_channels();
  const std::vector<float> w = channel_weights(C, options.color);
  for (std::size_t oc = 0; oc < o.out_channels(); ++oc) {
    const Filter f = get(names[oc]);
    const std::size_t n = f.kernel.shape(0);
    Tensor k = xt::zeros<float>({K, K});
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) k((K - n) / 2 + i, (K - n) / 2 + j) = f.kernel(i, j);
    // The output channel's whole kernel (C, K, K) is k * w[c] on channel c: its norm is ||k|| ||w||
    // and its sum sum(k) sum(w).
    double kk = 0, ksum = 0, ww = 0, wsum = 0;
    for (const float v : k) kk += static_cast<double>(v) * v, ksum += v;
    for (const float wc : w) ww += static_cast<double>(wc) * wc, wsum += wc;
    const double norm = std::sqrt(kk * ww);
    const float s = options.scale == HandsetScale::raw || norm == 0  ? 1.f
                    : options.scale == HandsetScale::unit             ? static_cast<float>(1.0 / norm)
                                                                      : static_cast<float>(init_scale(o, norm, ksum * wsum));
    for (std::size_t c = 0; c < C; ++c) conv.set_kernel(oc, c, k * (w[c] * s));
  }
  if (conv.has_bias()) conv.bias().value.fill(0.f);
}

}  // namespace minicnn::filters
