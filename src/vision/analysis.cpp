#include "minicnn/vision/analysis.hpp"

#include <cmath>
#include <stdexcept>

#include "minicnn/layers/conv2d.hpp"
#include "minicnn/vision/filters.hpp"

namespace minicnn {

namespace {

// A kernel whose 90-degree turn differs from it by at most this fraction of its norm has no direction.
constexpr double kRotationFree = 0.2;

// The 8 symmetries of the square: rotations by 0/90/180/270 degrees, with and without a flip.
Tensor transformed(const Tensor& k, int t) {
  const std::size_t n = k.shape(0);
  Tensor out = Tensor::from_shape({n, n});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      std::size_t r = i, c = (t & 4) ? n - 1 - j : j;  // flip left-right first
      for (int q = 0; q < (t & 3); ++q) {              // then rotate 90 degrees counter-clockwise q times
        const std::size_t nr = n - 1 - c, nc = r;
        r = nr, c = nc;
      }
      out(r, c) = k(i, j);
    }
  return out;
}
const char* kTransformNames[] = {"", "rot90", "rot180", "rot270", "flip", "flip+rot90", "flip+rot180", "flip+rot270"};

Tensor centred(const Tensor& k, std::size_t H, std::size_t W) {
  Tensor out = xt::zeros<float>({H, W});
  const std::size_t oi = (H - k.shape(0)) / 2, oj = (W - k.shape(1)) / 2;
  for (std::size_t i = 0; i < k.shape(0); ++i)
    for (std::size_t j = 0; j < k.shape(1); ++j) out(oi + i, oj + j) = k(i, j);
  return out;
}

Tensor zero_mean(const Tensor& k) { return k - static_cast<float>(xt::mean(k)()); }

// How far turning a square kernel by 90 degrees changes it: ||k - rot90(k)|| / ||k||; 0 for a
// Laplacian, sharpen or a blur, which have no direction. Infinite for a non-square or zero kernel.
double rotation_change(const Tensor& k) {
  if (k.dimension() != 2 || k.shape(0) != k.shape(1)) return INFINITY;
  const Tensor d = k - transformed(k, 1);
  double dd = 0, kk = 0;
  for (std::size_t i = 0; i < k.size(); ++i) dd += double(d.data()[i]) * d.data()[i], kk += double(k.data()[i]) * k.data()[i];
  return kk > 0 ? std::sqrt(dd / kk) : INFINITY;
}

double dot(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a.data()[i]) * b.data()[i];
  return s;
}

}  // namespace

std::string FilterMatch::label() const {
  return (negated ? "-" : "") + filter + (transform.empty() ? "" : " " + transform);
}

FilterMatch nearest_filter(const Tensor& kernel) {
  if (kernel.dimension() != 2 || kernel.size() == 0)
    throw std::invalid_argument("nearest_filter: expected a (KH, KW) kernel, got " + shape_str(kernel.shape()));
  const std::size_t H = kernel.shape(0), W = kernel.shape(1);
  const Tensor k = zero_mean(kernel);
  const double kn = std::sqrt(dot(k, k));
  FilterMatch best;
  // Transforms in the outer loop: every filter as it is is tried before any rotated one.
  for (int t = 0; t < 8; ++t)
    for (const auto& f : filters::bank()) {
      const std::size_t n = f.kernel.shape(0);
      // identity minus its mean is exactly laplacian8 / 9: the same shape, so it is left out and the
      // DC gain (reported beside the match) tells a spike from a Laplacian.
      if (n > H || n > W || f.kernel.shape(1) != n || f.name == "identity") continue;
      const Tensor cand = zero_mean(centred(transformed(f.kernel, t), H, W));
      const double cn = std::sqrt(dot(cand, cand));
      if (cn < 1e-12 || kn < 1e-12) continue;  // a flat filter (box blur) has no shape once its mean is gone
      const double c = dot(k, cand) / (kn * cn);
      if (std::abs(c) > best.cosine + 1e-6) {
        best.filter = f.name;
        best.transform = kTransformNames[t];
        best.negated = c < 0;
        best.cosine = static_cast<float>(std::abs(c));
        best.residual = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - c * c)));
        best.kernel = centred(transformed(f.kernel, t), H, W) * (c < 0 ? -1.f : 1.f);
      }
    }
  if (best.filter.empty()) best.kernel = xt::zeros<float>({H, W});
  return best;
}

void frequency_character(const Tensor& kernel, KernelInfo& info) {
  const std::size_t H = kernel.shape(0), W = kernel.shape(1);
  double sum = 0, l1 = 0;
  for (const float v : kernel) sum += v, l1 += std::abs(v);
  info.dc_gain = static_cast<float>(sum);
  info.dc_ratio = l1 > 0 ? static_cast<float>(sum / l1) : 0.f;
  info.pass = filters::kind_name(filters::kind_of(kernel));  // the rule the filter bank's kinds use
  // The 2-D DFT of the mean-removed kernel, zero-padded to 32x32 for a finer frequency grid; its
  // strongest non-DC component gives the direction the kernel's pattern varies along and how fast.
  const int N = 32;
  const double mean = sum / static_cast<double>(H * W);
  auto power = [&](int u, int v) {  // |DFT(u, v)|^2, u horizontal and v vertical frequency index
    double re = 0, im = 0;
    for (std::size_t i = 0; i < H; ++i)
      for (std::size_t j = 0; j < W; ++j) {
        const double a = -2.0 * M_PI * (static_cast<double>(u) * j + static_cast<double>(v) * i) / N;
        const double w = kernel(i, j) - mean;
        re += w * std::cos(a), im += w * std::sin(a);
      }
    return re * re + im * im;
  };
  double best = 0;
  int bu = 0, bv = 0;
  for (int v = -N / 2 + 1; v <= N / 2; ++v)
    for (int u = 0; u <= N / 2; ++u) {  // half plane: a real kernel's spectrum is symmetric
      if ((u == 0 && v <= 0)) continue;
      const double p = power(u, v);
      if (p > best * (1 + 1e-9)) best = p, bu = u, bv = v;
    }
  if (best <= 1e-18) {
    info.orientation = "none";
    info.orientation_deg = 0;
    info.frequency = 0;
    return;
  }
  const double fu = bu / static_cast<double>(N), fv = bv / static_cast<double>(N);
  info.frequency = static_cast<float>(std::sqrt(fu * fu + fv * fv));
  double deg = std::atan2(fv, fu) * 180.0 / M_PI;  // 0: varies along x; 90: along y (image rows go down)
  if (deg < 0) deg += 180.0;
  info.orientation_deg = static_cast<float>(deg);
  // No preferred direction (a Laplacian, sharpen, a blur): the kernel nearly unchanged when turned
  // by 90 degrees, or the same frequency turned by 90 degrees nearly as strong.
  if (rotation_change(kernel) <= kRotationFree || power(-bv, bu) >= 0.8 * best) info.orientation = "isotropic";
  else if (deg < 22.5 || deg >= 157.5) info.orientation = "horizontal gradient (vertical edges)";
  else if (deg >= 67.5 && deg < 112.5) info.orientation = "vertical gradient (horizontal edges)";
  else info.orientation = deg < 90 ? "diagonal (45 deg)" : "diagonal (135 deg)";
}

std::vector<KernelInfo> analyze_kernels(const Tensor& weight, const Tensor& initial) {
  if (weight.dimension() != 4 || weight.size() == 0)
    throw std::invalid_argument("analyze_kernels: expected a conv weight (OC, C, KH, KW), got " + shape_str(weight.shape()));
  if (initial.dimension() != 0 && initial.shape() != weight.shape())
    throw std::invalid_argument("analyze_kernels: initial weight " + shape_str(initial.shape()) + " does not match " +
                                shape_str(weight.shape()));
  const std::size_t OC = weight.shape(0), C = weight.shape(1), KH = weight.shape(2), KW = weight.shape(3), KK = KH * KW;
  std::vector<KernelInfo> out;
  std::vector<Tensor> ks;
  float max_norm = 0;
  for (std::size_t o = 0; o < OC; ++o)
    for (std::size_t c = 0; c < C; ++c) {
      Tensor k = Tensor::from_shape({KH, KW});
      std::copy(weight.data() + (o * C + c) * KK, weight.data() + (o * C + c + 1) * KK, k.data());
      KernelInfo info;
      info.out_channel = o;
      info.in_channel = c;
      info.match = nearest_filter(k);
      frequency_character(k, info);
      // Decided from the filter too: a kernel that looks like a Laplacian or a blur is reported without
      // the direction its small differences from the filter would give it.
      if (info.match.cosine >= kClassicalCosine && rotation_change(info.match.kernel) <= kRotationFree && info.orientation != "none")
        info.orientation = "isotropic";
      info.norm = static_cast<float>(std::sqrt(dot(k, k)));
      max_norm = std::max(max_norm, info.norm);
      if (initial.dimension() != 0) {
        Tensor k0 = Tensor::from_shape({KH, KW});
        std::copy(initial.data() + (o * C + c) * KK, initial.data() + (o * C + c + 1) * KK, k0.data());
        const double n0 = std::sqrt(dot(k0, k0));
        info.cosine_to_start = n0 > 0 && info.norm > 0 ? static_cast<float>(dot(k, k0) / (n0 * info.norm)) : 0.f;
      }
      ks.push_back(std::move(k));
      out.push_back(std::move(info));
    }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].dead = out[i].norm < 0.01f * max_norm || out[i].norm == 0;
    for (std::size_t j = 0; j < i && out[i].duplicate_of < 0; ++j)
      if (out[i].norm > 0 && out[j].norm > 0 && std::abs(dot(ks[i], ks[j])) / (out[i].norm * out[j].norm) > 0.95)
        out[i].duplicate_of = static_cast<int>(j);
  }
  return out;
}

void ablate_kernels(Conv2d& conv, const std::function<double()>& accuracy, std::vector<KernelInfo>& kernels) {
  const double base = accuracy();
  Tensor& w = conv.weight().value;
  const std::size_t per_out = w.size() / w.shape(0);
  for (std::size_t o = 0; o < w.shape(0); ++o) {
    const Tensor saved_w = w;
    float saved_b = 0;
    std::fill(w.data() + o * per_out, w.data() + (o + 1) * per_out, 0.f);
    if (conv.has_bias()) std::swap(saved_b, conv.bias().value.data()[o]);
    const double acc = accuracy();
    w = saved_w;
    if (conv.has_bias()) conv.bias().value.data()[o] = saved_b;
    for (auto& k : kernels)
      if (k.out_channel == o) k.importance = base - acc;
  }
}

}  // namespace minicnn
