#pragma once
// Private: the fast path behind Conv2d. im2col and col2im turn one image's convolution into one
// matrix product per group; ConvWorkspace spreads a batch's images over threads, owns the
// per-thread buffers and adds up the per-thread partial sums of the weight and bias gradients.
// conv2d.cpp holds the math and the shape checks and calls ConvWorkspace::forward/backward.
#include <cstddef>
#include <vector>

#include "minicnn/core/tensor.hpp"
#include "minicnn/layers/conv2d.hpp"

namespace minicnn {

// Sizes of one convolution on one image, in signed arithmetic for the padding maths.
struct Geometry {
  long C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
};

// Floats of scratch im2col wants for g: the zero-padded image (C, H+2PH, W+2PW) when g has
// padding and that copy is no larger than the columns themselves, else 0.
std::size_t im2col_scratch_size(const Geometry& g);

// cols (C*KH*KW, OH*OW): cols[(c*KH + ki)*KW + kj][i*OW + j] = x[c][i*S - P + ki*D][j*S - P + kj*D],
// zero where that falls in the padding. x is one image (C, H, W); scratch holds
// im2col_scratch_size(g) floats (may be null when that is 0).
void im2col(const float* x, const Geometry& g, float* cols, float* scratch);
// The adjoint of im2col: dx (C, H, W) = the sum of dcols over every place im2col read each pixel.
void col2im(const float* dcols, const Geometry& g, float* dx);

// sum of n floats with 8 running partial sums, so the loop vectorises (a single running sum
// cannot be reordered without -ffast-math) while the order, and so the result, stays fixed.
float sum8(const float* a, long n);

// One convolution of a batch: N images of geometry g, G groups, OC output channels.
struct ConvProblem {
  Geometry g;
  long N, G, OC;
};

// Output height/width for an input shape, or false when the input does not fit. Allocates nothing.
template <class S>
bool conv_output_hw(const Conv2dOptions& o, const S& in, std::size_t& OH, std::size_t& OW) {
  if (in.size() != 4 || in[1] != o.in_channels() || in[0] == 0) return false;
  const Size2 k = o.kernel_size(), d = o.dilation(), p = o.padding(), s = o.stride();
  const std::size_t eh = d.h * (k.h - 1) + 1, ew = d.w * (k.w - 1) + 1;
  const std::size_t ph = in[2] + 2 * p.h, pw = in[3] + 2 * p.w;
  if (ph < eh || pw < ew) return false;
  OH = (ph - eh) / s.h + 1;
  OW = (pw - ew) / s.w + 1;
  return true;
}

inline ConvProblem conv_problem(const Conv2dOptions& o, const Tensor::shape_type& xs, const Tensor::shape_type& ys) {
  auto L = [](std::size_t v) { return static_cast<long>(v); };
  const Size2 k = o.kernel_size(), s = o.stride(), p = o.padding(), d = o.dilation();
  return {{L(xs[1]), L(xs[2]), L(xs[3]), L(k.h), L(k.w), L(s.h), L(s.w), L(p.h), L(p.w), L(d.h), L(d.w), L(ys[2]), L(ys[3])},
          L(xs[0]), L(o.groups()), L(o.out_channels())};
}

// The batch-level fast path. Buffers are sized on first use and reused, so a training step
// allocates nothing once shapes are stable.
class ConvWorkspace {
 public:
  // y (N, OC, OH, OW) = convolution of x (N, C, H, W) with w (OC, C/G*KH*KW) plus b (OC, may be
  // null). Each thread also copies its images of x into x_copy (kept for backward): the copy then
  // sits in the cache of the core that reads it again in backward.
  void forward(const ConvProblem& p, const float* x, const float* w, const float* b, float* y, float* x_copy);
  // From dy (N, OC, OH, OW) and the forward's input x: dw (OC, C/G*KH*KW), db (OC) and
  // dx (N, C, H, W), each overwritten; a null pointer skips that gradient.
  void backward(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw, float* db, float* dx);

 private:
  void size_buffers(const ConvProblem& p, int chunks, bool for_backward, bool want_x);
  std::vector<Tensor> cols_;     // per chunk: im2col of one image (C*KH*KW, OH*OW)
  std::vector<Tensor> scratch_;  // per chunk: im2col's zero-padded copy of one image, if any
  std::vector<Tensor> dcols_;    // per chunk: gradient w.r.t. those columns
  std::vector<Tensor> dyt_;      // per chunk: one image's dy for one group, transposed (OH*OW, OC/G), if used
  std::vector<Tensor> dw_part_;  // per chunk: partial weight gradient, transposed (G*C/G*KH*KW, OC/G)
  std::vector<Tensor> db_part_;  // per chunk: partial bias gradient (OC)
};

}  // namespace minicnn
