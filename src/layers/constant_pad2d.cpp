#include "minicnn/layers/constant_pad2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/parallel.hpp"
#include "kernels/pool_geometry.hpp"

namespace minicnn {

ConstantPad2d::ConstantPad2d(Pads2d padding, float value) : p_(padding), value_(value) {
  if (p_.zero()) throw std::invalid_argument("ConstantPad2d: padding is 0 on every side; leave the layer out");
}

std::string ConstantPad2d::name() const {
  const std::string sides = "(" + std::to_string(p_.left) + ", " + std::to_string(p_.right) + ", " + std::to_string(p_.top) +
                            ", " + std::to_string(p_.bottom) + ")";
  if (value_ == 0.f) return "ZeroPad2d(" + sides + ")";
  std::ostringstream os;
  os << "ConstantPad2d(padding=" << sides << ", value=" << value_ << ")";
  return os.str();
}

std::string ConstantPad2d::spec() const {
  std::ostringstream os;
  os.precision(9);  // enough digits that the spec rebuilds exactly this float
  os << "pad " << pads2d_spec(p_);
  if (value_ != 0.f) os << " value=" << value_;
  return os.str();
}

Shape ConstantPad2d::output_shape(const Shape& in) {
  expect_nonempty_nchw(*this, in);
  return {in[0], in[1], in[2] + p_.top + p_.bottom, in[3] + p_.left + p_.right};
}

const Tensor& ConstantPad2d::forward(const Tensor& x) {
  expect_nonempty_nchw(*this, x.shape());
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t OH = H + p_.top + p_.bottom, OW = W + p_.left + p_.right;
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      std::fill(yp, yp + OH * OW, value_);
      for (std::size_t i = 0; i < H; ++i) std::copy(xp + i * W, xp + (i + 1) * W, yp + (p_.top + i) * OW + p_.left);
    }
  });
  return y_;
}

// Each x is copied to one y, and the padding depends on no x:
// dx[n, c, i, j] = dy[n, c, top + i, left + j].
const Tensor& ConstantPad2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t H = x_shape_[2], W = x_shape_[3], OH = y_.shape(2), OW = y_.shape(3);
  parallel_for(x_shape_[0] * x_shape_[1], [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* dyp = dy.data() + p * OH * OW;
      float* dxp = dx_.data() + p * H * W;
      for (std::size_t i = 0; i < H; ++i) {
        const float* row = dyp + (p_.top + i) * OW + p_.left;
        std::copy(row, row + W, dxp + i * W);
      }
    }
  });
  return dx_;
}

MINICNN_REGISTER_LAYER(ConstantPad2d, "pad", "pad P|HxW|LxRxTxB [value=V]", [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(1, 1);
  const Pads2d pads = pool_pads(a.sizes(0, "padding", 0, {1, 2, 4}));
  const std::string problem =
      in.size() == 3 ? workspace_problem(in, in[1] + pads.top + pads.bottom, in[2] + pads.left + pads.right) : "";
  if (!problem.empty()) a.fail(problem);
  return std::make_unique<ConstantPad2d>(pads, a.number("value", 0.f));
});

void ConstantPad2d::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
}

}  // namespace minicnn
