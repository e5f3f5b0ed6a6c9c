#include "conv_kernels.hpp"

#include <algorithm>

namespace minicnn {

namespace {
// First and one-past-last output column j whose input column j*S - P + offset lies in [0, W).
void valid_range(long offset, long S, long W, long OW, long& j0, long& j1) {
  j0 = offset >= 0 ? 0 : (-offset + S - 1) / S;
  j1 = W - offset <= 0 ? 0 : std::min(OW, (W - offset + S - 1) / S);
  j0 = std::min(j0, j1);
}

}  // namespace

// cols (C*KH*KW, OH*OW): cols[(c*KH + ki)*KW + kj][i*OW + j] = x[c][i*S - P + ki*D][j*S - P + kj*D],
// zero where that falls in the padding. x is one image (C, H, W).
void im2col(const float* x, const Geometry& g, float* cols) {
  float* out = cols;
  for (long c = 0; c < g.C; ++c)
    for (long ki = 0; ki < g.KH; ++ki)
      for (long kj = 0; kj < g.KW; ++kj) {
        const long woff = kj * g.DW - g.PW;
        long j0, j1;
        valid_range(woff, g.SW, g.W, g.OW, j0, j1);
        for (long i = 0; i < g.OH; ++i, out += g.OW) {
          const long h = i * g.SH - g.PH + ki * g.DH;
          if (h < 0 || h >= g.H) {
            for (long j = 0; j < g.OW; ++j) out[j] = 0.f;
            continue;
          }
          const float* xrow = x + (c * g.H + h) * g.W + woff;
          // Plain loops rather than std::copy/fill: rows are ~28 floats, and a library call per row
          // cost more than the copy (29% of a lenet5 step went to memmove); these vectorise inline.
          for (long j = 0; j < j0; ++j) out[j] = 0.f;
          if (g.SW == 1)
            for (long j = j0; j < j1; ++j) out[j] = xrow[j];
          else
            for (long j = j0; j < j1; ++j) out[j] = xrow[j * g.SW];
          for (long j = j1; j < g.OW; ++j) out[j] = 0.f;
        }
      }
}

// The adjoint of im2col: dx[c][h][w] = sum of dcols over every (row, column) im2col read
// x[c][h][w] into. dx (C, H, W) is overwritten.
void col2im(const float* dcols, const Geometry& g, float* dx) {
  std::fill(dx, dx + g.C * g.H * g.W, 0.f);
  const float* in = dcols;
  for (long c = 0; c < g.C; ++c)
    for (long ki = 0; ki < g.KH; ++ki)
      for (long kj = 0; kj < g.KW; ++kj) {
        const long woff = kj * g.DW - g.PW;
        long j0, j1;
        valid_range(woff, g.SW, g.W, g.OW, j0, j1);
        for (long i = 0; i < g.OH; ++i, in += g.OW) {
          const long h = i * g.SH - g.PH + ki * g.DH;
          if (h < 0 || h >= g.H) continue;
          float* dxrow = dx + (c * g.H + h) * g.W + woff;
          if (g.SW == 1)  // a separate loop so the common case vectorises
            for (long j = j0; j < j1; ++j) dxrow[j] += in[j];
          else
            for (long j = j0; j < j1; ++j) dxrow[j * g.SW] += in[j];
        }
      }
}

float sum8(const float* a, long n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  long j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[j + k];
  for (int k = 0; j < n; ++j, ++k) acc[k] += a[j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace minicnn
