#pragma once
// Private: the fast paths behind Conv2d. conv2d.cpp holds the math and the shape checks and calls
// ConvWorkspace::forward/backward, which spread a batch's images over threads, own the per-chunk
// buffers, add up the per-chunk partial sums of the weight and bias gradients, and run one of two
// algorithms per image:
//
//   * im2col: copy every window of the image into a column of a matrix, then one matrix product
//     per group (and col2im, its adjoint, in backward). Any stride, padding, dilation, groups.
//   * implicit (conv_implicit.cpp): the same products without the im2col matrix, read straight
//     from a zero-padded copy of the image through a table of row starts. For stride 1,
//     dilation 1, one group and padding smaller than the kernel (lenet5's and most 3x3 layers),
//     on minicnn's own kernels (OpenBLAS cannot read a matrix through a row table).
//
// Stride-1 3x3 layers can instead run Winograd's F(2x2, 3x3) (conv_winograd.hpp), where
// winograd_forward() and winograd_backward() say so (MINICNN_CONV, core/kernel_path.hpp).
#include <cstddef>
#include <vector>

#include "kernels/conv_winograd.hpp"
#include "kernels/gemm.hpp"
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

// Writes x (C, H, W) into dst (C, H + top + bottom, W + left + right) with zero borders; every
// float of dst is written, so dst needs no clearing first.
void pad_image(const float* x, long C, long H, long W, long top, long bottom, long left, long right, float* dst);

// Can the implicit algorithm run this convolution?
bool implicit_fits(const ConvProblem& p);

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
  // Drops what forward kept of its input (the padded images), for a forward that did not come here.
  void forget_input() { padded_for_ = nullptr; }
  // The algorithm the last forward ran: "winograd", "implicit" or "im2col" ("" before the first).
  const char* last_algorithm() const { return last_algorithm_; }

 private:
  void forward_im2col(const ConvProblem& p, const float* x, const float* w, const float* b, float* y, float* x_copy);
  void backward_im2col(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw, float* db,
                       float* dx);
  void forward_implicit(const GemmKernels& k, const ConvProblem& p, const float* x, const float* w, const float* b,
                        float* y, float* x_copy);
  void backward_implicit(const GemmKernels& k, const ConvProblem& p, const float* x, const float* w, const float* dy,
                         float* dw, float* db, float* dx);
  // dw (OC, CKKg) and db (OC) from the chunks' partial sums, added in chunk order.
  void add_up_partials(const ConvProblem& p, int chunks, float* dw, float* db);

  // One chunk's scratch. A chunk is a run of images that one thread handles at a time. Forward
  // and backward size only the buffers they use (the others keep their size), so alternating
  // them reallocates nothing.
  struct Chunk {
    Tensor cols;       // im2col: the columns of one image and group (C/G*KH*KW, OH*OW)
    Tensor padded;     // the zero-padded image (implicit; im2col, one group of it, when that is faster)
    Tensor dcols;      // the gradient w.r.t. the columns (im2col; implicit on the padded width)
    Tensor dyt;        // im2col: one image's dy for one group, transposed (OH*OW, OC/G), if used
    Tensor wide;       // implicit: y on the padded width, before the crop
    Tensor dx_wide;    // implicit: dx on the padded width, before the crop
    Tensor dy_wide;    // implicit: dy on the padded width (zeros on the right), for dW
    Tensor dy_padded;  // implicit: dy padded by kernel - 1 - padding, for dx
    Tensor dw_part;    // partial weight gradient, transposed (G*C/G*KH*KW, OC/G)
    Tensor db_part;    // partial bias gradient (OC)
  };
  std::vector<Chunk> chunks_;
  std::vector<long> x_taps_, dy_taps_;  // implicit: row tables into padded and dy_padded
  Tensor w_flipped_;                    // implicit: the kernel flipped, for dx (C, OC*KH*KW)
  Tensor x_padded_;                     // implicit: forward's zero-padded images (N, C, PH, PW), for dW
  const float* padded_for_ = nullptr;   // implicit: the x_copy whose images x_padded_ holds
  WinogradConv winograd_;
  const char* last_algorithm_ = "";
};

}  // namespace minicnn
