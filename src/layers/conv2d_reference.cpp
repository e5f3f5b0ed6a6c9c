// The convolution straight from its definition (see conv2d.hpp): the algorithmic reference that the
// fast path is tested against, and a fallback (MINICNN_KERNELS=reference). Plain loops over every
// index, sums in double; no attempt at speed.
#include <stdexcept>

#include "minicnn/layers/conv2d.hpp"

namespace minicnn {

namespace {
// Calls f(n, o, i, j, c_in, ki, kj, h, w) for every term x[n, c_in, h, w] * W[o, c, ki, kj] of the sum
// that defines y[n, o, i, j], skipping taps that fall in the zero padding.
template <class F>
void for_each_term(const Shape& xs, const Shape& ws, const Conv2dOptions& o, std::size_t OH, std::size_t OW, F&& f) {
  const std::size_t N = xs[0], C = xs[1], H = xs[2], W = xs[3], OC = ws[0], KH = ws[2], KW = ws[3];
  const std::size_t Cg = C / o.groups(), OCg = OC / o.groups();
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t oc = 0; oc < OC; ++oc)
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j)
          for (std::size_t c = 0; c < Cg; ++c)
            for (std::size_t ki = 0; ki < KH; ++ki)
              for (std::size_t kj = 0; kj < KW; ++kj) {
                const long h = static_cast<long>(i * o.stride().h + ki * o.dilation().h) - static_cast<long>(o.padding().h);
                const long w = static_cast<long>(j * o.stride().w + kj * o.dilation().w) - static_cast<long>(o.padding().w);
                if (h < 0 || w < 0 || h >= static_cast<long>(H) || w >= static_cast<long>(W)) continue;
                f(n, oc, i, j, (oc / OCg) * Cg + c, c, ki, kj, static_cast<std::size_t>(h), static_cast<std::size_t>(w));
              }
}

std::size_t out_size(std::size_t in, std::size_t k, std::size_t s, std::size_t p, std::size_t d) {
  const std::size_t span = d * (k - 1) + 1;
  if (in + 2 * p < span) throw std::invalid_argument("conv2d_reference: the kernel does not fit in the image");
  return (in + 2 * p - span) / s + 1;
}

// Index helpers for row-major 4-D arrays.
struct Index4 {
  std::size_t a, b, c, d;
  std::size_t operator()(std::size_t i, std::size_t j, std::size_t k, std::size_t l) const {
    return ((i * b + j) * c + k) * d + l;
  }
};
Index4 index4(const Shape& s) { return {s[0], s[1], s[2], s[3]}; }
}  // namespace

Tensor conv2d_reference_forward(const Tensor& x, const Tensor& weight, const Tensor* bias, const Conv2dOptions& o) {
  const Shape xs = shape_of(x), ws = shape_of(weight);
  if (xs.size() != 4 || ws.size() != 4 || xs[1] != ws[1] * o.groups())
    throw std::invalid_argument("conv2d_reference: expected x (N, C, H, W) and weight (OC, C/groups, KH, KW), got " +
                                shape_str(xs) + " and " + shape_str(ws));
  const std::size_t OH = out_size(xs[2], ws[2], o.stride().h, o.padding().h, o.dilation().h);
  const std::size_t OW = out_size(xs[3], ws[3], o.stride().w, o.padding().w, o.dilation().w);
  const Shape ys{xs[0], ws[0], OH, OW};
  std::vector<double> sum(ys[0] * ys[1] * OH * OW, 0.0);
  const Index4 X = index4(xs), Wi = index4(ws), Y = index4(ys);
  for_each_term(xs, ws, o, OH, OW, [&](auto n, auto oc, auto i, auto j, auto cin, auto c, auto ki, auto kj, auto h, auto w) {
    sum[Y(n, oc, i, j)] += static_cast<double>(weight.data()[Wi(oc, c, ki, kj)]) * x.data()[X(n, cin, h, w)];
  });
  Tensor y = Tensor::from_shape(ys);
  for (std::size_t k = 0; k < sum.size(); ++k)
    y.data()[k] = static_cast<float>(sum[k] + (bias ? bias->data()[(k / (OH * OW)) % ys[1]] : 0.f));
  return y;
}

// Every term x * W of y's sum contributes dy * W to dx, dy * x to dW, and dy to db (see conv2d.cpp).
void conv2d_reference_backward(const Tensor& x, const Tensor& weight, const Tensor& dy, const Conv2dOptions& o,
                               Tensor* dx, Tensor* dweight, Tensor* dbias) {
  const Shape xs = shape_of(x), ws = shape_of(weight), ys = shape_of(dy);
  std::vector<double> gx(dx ? x.size() : 0, 0.0), gw(dweight ? weight.size() : 0, 0.0);
  const Index4 X = index4(xs), Wi = index4(ws), Y = index4(ys);
  for_each_term(xs, ws, o, ys[2], ys[3], [&](auto n, auto oc, auto i, auto j, auto cin, auto c, auto ki, auto kj, auto h, auto w) {
    const double g = dy.data()[Y(n, oc, i, j)];
    if (dx) gx[X(n, cin, h, w)] += g * weight.data()[Wi(oc, c, ki, kj)];
    if (dweight) gw[Wi(oc, c, ki, kj)] += g * x.data()[X(n, cin, h, w)];
  });
  if (dx) {
    ensure_shape(*dx, x.shape());
    for (std::size_t k = 0; k < gx.size(); ++k) dx->data()[k] = static_cast<float>(gx[k]);
  }
  if (dweight) {
    ensure_shape(*dweight, weight.shape());
    for (std::size_t k = 0; k < gw.size(); ++k) dweight->data()[k] = static_cast<float>(gw[k]);
  }
  if (dbias) {
    ensure_shape(*dbias, {ys[1]});
    for (std::size_t oc = 0; oc < ys[1]; ++oc) {
      double s = 0;
      for (std::size_t n = 0; n < ys[0]; ++n)
        for (std::size_t k = 0; k < ys[2] * ys[3]; ++k) s += dy.data()[(n * ys[1] + oc) * ys[2] * ys[3] + k];
      dbias->data()[oc] = static_cast<float>(s);
    }
  }
}

}  // namespace minicnn
