#include "minicnn/layers/global_avg_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <stdexcept>

namespace minicnn {

template <class S>
void GlobalAvgPool2d::check_input(const S& in) const {
  if (in.size() != 4 || in[0] == 0 || in[1] == 0 || in[2] * in[3] == 0)
    throw std::invalid_argument(name() + ": expected input (N, C, H, W) with every size > 0, got " + shape_str(in));
}

Shape GlobalAvgPool2d::output_shape(const Shape& in) {
  check_input(in);
  return {in[0], in[1]};
}

const Tensor& GlobalAvgPool2d::forward(const Tensor& x) {
  check_input(x.shape());
  x_shape_ = x.shape();
  const std::size_t NC = x.shape(0) * x.shape(1), HW = x.shape(2) * x.shape(3);
  ensure_shape(y_, {x.shape(0), x.shape(1)});
  const float inv = 1.f / static_cast<float>(HW);
  for (std::size_t p = 0; p < NC; ++p) {
    double s = 0;  // a plane can be large (224 x 224): sum in double
    for (const float *q = x.data() + p * HW, *e = q + HW; q < e; ++q) s += *q;
    y_.data()[p] = static_cast<float>(s) * inv;
  }
  return y_;
}

// Every pixel of plane (n, c) contributed 1/(H*W) of y[n, c]: dx[n, c, h, w] = dy[n, c] / (H*W).
const Tensor& GlobalAvgPool2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t NC = x_shape_[0] * x_shape_[1], HW = x_shape_[2] * x_shape_[3];
  const float inv = 1.f / static_cast<float>(HW);
  for (std::size_t p = 0; p < NC; ++p) {
    const float g = dy.data()[p] * inv;
    for (float *q = dx_.data() + p * HW, *e = q + HW; q < e; ++q) *q = g;
  }
  return dx_;
}

MINICNN_REGISTER_LAYER(GlobalAvgPool2d, "globalavgpool", "globalavgpool", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<GlobalAvgPool2d>();
});

void GlobalAvgPool2d::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
}

}  // namespace minicnn
