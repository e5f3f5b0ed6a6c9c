#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y[n, c, i, j] = mean of x[n, c, h0(i) .. h1(i) - 1, w0(j) .. w1(j) - 1], with PyTorch's bins
// h0(i) = floor(i H / OH), h1(i) = ceil((i + 1) H / OH) (and the same for columns): any input size
// gives output (N, C, OH, OW). As PyTorch's nn.AdaptiveAvgPool2d(output_size). Unlike
// GlobalAvgPool2d it keeps the (N, C, OH, OW) shape, 1x1 included, as PyTorch does.
class AdaptiveAvgPool2d final : public Layer {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  Size2 output_size() const { return out_; }

  // Whether the bins of `in` inputs into `out` all have one size k and start every s inputs, as
  // a plain average pool's windows (kernel k, stride s) would; ONNX has no adaptive pooling.
  static bool uniform_bins(std::size_t in, std::size_t out, std::size_t& k, std::size_t& s);

 private:
  Size2 out_;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
};

}  // namespace minicnn
