#include "minicnn/data/digit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/io/image_io.hpp"

namespace minicnn {

Tensor prepare_digit(const Tensor& gray, std::size_t out_h, std::size_t out_w) {
  if (gray.dimension() != 2 || gray.size() == 0 || out_h == 0 || out_w == 0)
    throw std::invalid_argument("prepare_digit: expected a non-empty (H, W) image, got " + shape_str(gray.shape()));
  const std::size_t H = gray.shape(0), W = gray.shape(1);
  Tensor g = gray;
  double border = 0;
  std::size_t nb = 0;
  for (std::size_t i = 0; i < H; ++i)
    for (std::size_t j = 0; j < W; ++j)
      if (i == 0 || j == 0 || i + 1 == H || j + 1 == W) border += g(i, j), ++nb;
  if (border / static_cast<double>(nb) > 127.5) g = 255.f - g;  // dark ink on light paper -> light on dark
  const float bg = std::max(0.f, static_cast<float>(xt::amin(g)()));
  g = xt::maximum(g - bg, 0.f);

  // Crop to the ink: pixels brighter than a fifth of the brightest.
  const float thr = 0.2f * static_cast<float>(xt::amax(g)());
  std::size_t r0 = H, r1 = 0, c0 = W, c1 = 0;
  for (std::size_t i = 0; i < H; ++i)
    for (std::size_t j = 0; j < W; ++j)
      if (g(i, j) > thr && thr > 0) r0 = std::min(r0, i), r1 = std::max(r1, i), c0 = std::min(c0, j), c1 = std::max(c1, j);
  if (r0 > r1) return resize(g, out_h, out_w);  // blank: nothing to centre
  Tensor crop = Tensor::from_shape({r1 - r0 + 1, c1 - c0 + 1});
  for (std::size_t i = r0; i <= r1; ++i)
    for (std::size_t j = c0; j <= c1; ++j) crop(i - r0, j - c0) = g(i, j);

  // Fit into the 20x20 box (for a 28x28 output), keeping the aspect ratio.
  const double box_h = out_h * 20.0 / 28.0, box_w = out_w * 20.0 / 28.0;
  const double s = std::min(box_h / crop.shape(0), box_w / crop.shape(1));
  const auto nh = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(crop.shape(0) * s)));
  const auto nw = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(crop.shape(1) * s)));
  const Tensor small = xt::maximum(resize(crop, nh, nw), 0.f);

  // Centre of mass of the scaled digit goes to the centre of the output.
  double m = 0, mi = 0, mj = 0;
  for (std::size_t i = 0; i < nh; ++i)
    for (std::size_t j = 0; j < nw; ++j) m += small(i, j), mi += i * small(i, j), mj += j * small(i, j);
  const double ci = m > 0 ? mi / m : (nh - 1) / 2.0, cj = m > 0 ? mj / m : (nw - 1) / 2.0;
  const long oi = std::lround((out_h - 1) / 2.0 - ci), oj = std::lround((out_w - 1) / 2.0 - cj);
  Tensor out = xt::zeros<float>({out_h, out_w});
  for (std::size_t i = 0; i < nh; ++i)
    for (std::size_t j = 0; j < nw; ++j) {
      const long y = static_cast<long>(i) + oi, x = static_cast<long>(j) + oj;
      if (y >= 0 && x >= 0 && y < static_cast<long>(out_h) && x < static_cast<long>(out_w)) out(y, x) = small(i, j);
    }
  // Scale so the brightest ink is 255, like MNIST's strokes.
  const float peak = static_cast<float>(xt::amax(out)());
  if (peak > 0) out *= 255.f / peak;
  return xt::minimum(out, 255.f);
}

}  // namespace minicnn
