#pragma once
// Private: the fast path behind Conv2d. im2col and col2im turn one image's convolution into one
// matrix product per group; ConvWorkspace spreads a batch's images over threads, owns the
// per-thread buffers and adds up the per-thread partial sums of the weight and bias gradients.
// conv2d.cpp holds the math and the shape checks and calls ConvWorkspace::forward/backward.
#include <cstddef>
#include <vector>

#include "minicnn/core/tensor.hpp"

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
