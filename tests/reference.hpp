#pragma once
// The naive convolution, straight from the definition: the reference Conv2d is checked against.
#include "minicnn/layers/conv2d.hpp"

namespace minicnn::test {

inline Tensor naive_conv2d(const Tensor& x, const Tensor& w, const Tensor* b, const Conv2dOptions& o) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t OC = w.shape(0), Cg = C / o.groups, OCg = OC / o.groups, KH = w.shape(2), KW = w.shape(3);
  const std::size_t OH = (H + 2 * o.padding.h - o.dilation.h * (KH - 1) - 1) / o.stride.h + 1;
  const std::size_t OW = (W + 2 * o.padding.w - o.dilation.w * (KW - 1) - 1) / o.stride.w + 1;
  Tensor y = xt::zeros<float>({N, OC, OH, OW});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t oc = 0; oc < OC; ++oc)
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          double s = b ? (*b)(oc) : 0.0;
          const std::size_t g = oc / OCg;
          for (std::size_t c = 0; c < Cg; ++c)
            for (std::size_t ki = 0; ki < KH; ++ki)
              for (std::size_t kj = 0; kj < KW; ++kj) {
                const long h = static_cast<long>(i * o.stride.h + ki * o.dilation.h) - static_cast<long>(o.padding.h);
                const long ww = static_cast<long>(j * o.stride.w + kj * o.dilation.w) - static_cast<long>(o.padding.w);
                if (h < 0 || ww < 0 || h >= static_cast<long>(H) || ww >= static_cast<long>(W)) continue;
                s += static_cast<double>(w(oc, c, ki, kj)) * x(n, g * Cg + c, h, ww);
              }
          y(n, oc, i, j) = static_cast<float>(s);
        }
  return y;
}

}  // namespace minicnn::test
