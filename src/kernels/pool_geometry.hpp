#pragma once
// Private: shape checks shared by MaxPool2d and AvgPool2d.
#include <stdexcept>
#include <string>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// Checks the constructor arguments; stride 0 means "same as kernel_size", as in PyTorch.
inline Size2 pool_stride(const char* layer, Size2 kernel, Size2 stride) {
  if (kernel.h == 0 || kernel.w == 0)
    throw std::invalid_argument(std::string(layer) + ": kernel_size must be > 0, got " + size2_str(kernel));
  if (stride.h == 0 && stride.w == 0) return kernel;
  if (stride.h == 0 || stride.w == 0)
    throw std::invalid_argument(std::string(layer) + ": stride must be > 0 (or 0 for both, meaning kernel_size), got " +
                                size2_str(stride));
  return stride;
}

// Output (OH, OW) of a pooling window over x (N, C, H, W); throws naming the layer if x does not
// fit. The layer's name is built only then: forward runs every batch and must not allocate.
inline void pool_output_hw(const Layer& layer, const Tensor& x, Size2 k, Size2 s, std::size_t& OH, std::size_t& OW) {
  if (x.dimension() != 4 || x.shape(0) == 0 || x.shape(1) == 0)
    throw std::invalid_argument(layer.name() + ": expected input (N, C, H, W) with N, C > 0, got " + shape_str(x.shape()));
  if (x.shape(2) < k.h || x.shape(3) < k.w)
    throw std::invalid_argument(layer.name() + ": input " + shape_str(x.shape()) + " is smaller than the window " +
                                size2_str(k));
  OH = (x.shape(2) - k.h) / s.h + 1;
  OW = (x.shape(3) - k.w) / s.w + 1;
}

// "maxpool 2", or "avgpool 3 stride=2" when the stride differs from the window.
inline std::string pool_spec(const char* word, Size2 k, Size2 s) {
  return std::string(word) + " " + size2_spec(k) + (s == k ? "" : " stride=" + size2_spec(s));
}

}  // namespace minicnn
