#pragma once
// Private: window arithmetic shared by MaxPool2d and AvgPool2d, with PyTorch's rules.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "minicnn/core/layer.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/tensor.hpp"

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

// Checks dilation >= 1 and that every padding is smaller than the (dilated) window, so that every
// window holds at least one input (PyTorch asks for at most half the window).
inline void pool_check_padding(const char* layer, Size2 kernel, Size2 dilation, const Pads2d& p) {
  if (dilation.h == 0 || dilation.w == 0)
    throw std::invalid_argument(std::string(layer) + ": dilation must be > 0, got " + size2_str(dilation));
  const std::size_t eh = dilation.h * (kernel.h - 1) + 1, ew = dilation.w * (kernel.w - 1) + 1;
  if (p.top >= eh || p.bottom >= eh || p.left >= ew || p.right >= ew)
    throw std::invalid_argument(std::string(layer) + ": padding " + pads2d_str(p) + " must be smaller than the window " +
                                size2_str(Size2(eh, ew)) + " on every side");
}

// The number of windows along one side, PyTorch's rule: windows of span d (k - 1) + 1 every s
// steps over p0 + in + p1; with ceil_mode a last partial window counts, but only when it starts
// inside the input or the left padding. 0 when not even one window fits.
inline std::size_t pool_windows(std::size_t in, std::size_t k, std::size_t s, std::size_t d, std::size_t p0, std::size_t p1,
                                bool ceil_mode) {
  const std::size_t span = d * (k - 1) + 1, total = in + p0 + p1;
  if (total < span) return 0;
  std::size_t n = (total - span + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (n - 1) * s >= in + p0) --n;
  return n;
}

// Output (OH, OW) of the pooling over x (N, C, H, W); throws naming the layer if x does not fit.
// The layer's name is built only then: forward runs every batch and must not allocate.
// Throws forward's error unless shape is (N, C, H, W) with every size > 0 (a tensor's shape, or a
// Shape): what the pads and the adaptive pool take.
template <class S>
void expect_nonempty_nchw(const Layer& layer, const S& shape) {
  if (shape.size() != 4 || std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end())
    throw std::invalid_argument(layer.name() + ": expected input (N, C, H, W) with every size > 0, got " + shape_str(shape));
}

// The output (OH, OW) of a pool for an input of shape (N, C, H, W): a tensor's shape in forward,
// a Shape in output_shape. Throws like forward on a bad one.
template <class S>
void pool_output_hw(const Layer& layer, const S& shape, Size2 k, Size2 s, Size2 d, const Pads2d& p, bool ceil_mode,
                    std::size_t& OH, std::size_t& OW) {
  if (shape.size() != 4 || std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end())
    throw std::invalid_argument(layer.name() + ": expected input (N, C, H, W) with every size > 0, got " + shape_str(shape));
  OH = pool_windows(shape[2], k.h, s.h, d.h, p.top, p.bottom, ceil_mode);
  OW = pool_windows(shape[3], k.w, s.w, d.w, p.left, p.right, ceil_mode);
  if (OH == 0 || OW == 0)
    throw std::invalid_argument(layer.name() + ": input " + shape_str(shape) + (p.zero() ? "" : " padded") +
                                " is smaller than the window " + size2_str(Size2(d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1)));
}

// "maxpool 2", or "avgpool 3 stride=2 pad=1 ceil_mode=1" with the options that differ from the defaults.
inline std::string pool_spec(const char* word, Size2 k, Size2 s, const Pads2d& p, Size2 d, bool ceil_mode) {
  std::string spec = std::string(word) + " " + size2_spec(k) + (s == k ? "" : " stride=" + size2_spec(s));
  if (!p.zero()) spec += " pad=" + pads2d_spec(p);
  if (!(d == Size2(1))) spec += " dilation=" + size2_spec(d);
  if (ceil_mode) spec += " ceil_mode=1";
  return spec;
}

// "MaxPool2d(kernel_size=2, stride=2)", then padding, dilation and ceil_mode where not the default.
inline std::string pool_name(const char* layer, Size2 k, Size2 s, const Pads2d& p, Size2 d, bool ceil_mode) {
  std::string name = std::string(layer) + "(kernel_size=" + size2_str(k) + ", stride=" + size2_str(s);
  if (!p.zero()) name += ", padding=" + pads2d_str(p);
  if (!(d == Size2(1))) name += ", dilation=" + size2_str(d);
  if (ceil_mode) name += ", ceil_mode=True";
  return name;
}

// The output (C, OH, OW) a layer would give for the input shape of a spec, against build_model's
// limit, before any forward allocates it (a hostile spec or ONNX file could ask for terabytes).
// Returns the message, or "" when it fits.
inline std::string workspace_problem(const Shape& in, std::size_t OH, std::size_t OW) {
  if (in.size() != 3) return "";
  const double values = static_cast<double>(in[0]) * static_cast<double>(OH) * static_cast<double>(OW);
  if (values <= static_cast<double>(kSpecMaxLayerWorkspace)) return "";
  return "its output (" + std::to_string(in[0]) + ", " + std::to_string(OH) + ", " + std::to_string(OW) + ") is over the limit of " +
         std::to_string(kSpecMaxLayerWorkspace) + " values per image";
}

// Reads a pool's "pad=P|HxW|LxRxTxB" option.
inline Pads2d pool_pads(const std::vector<std::size_t>& p) {
  if (p.empty()) return {};
  if (p.size() == 1) return Pads2d(p[0]);
  if (p.size() == 2) return Pads2d(Size2(p[0], p[1]));
  return Pads2d(p[0], p[1], p[2], p[3]);
}

}  // namespace minicnn
