#pragma once
// Private: the loops behind Conv2d, in one place (STYLE: speed-ups live in the layer's .cpp or one
// shared kernels file). Every function works on one image; Conv2d spreads images over threads.
#include <cstddef>

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

}  // namespace minicnn
