// The implicit convolution: Conv2d's products without an im2col matrix (see conv_kernels.hpp for
// when it runs). The idea, for stride 1 and dilation 1:
//
// Copy the image into a zero-padded buffer (C, PH, PW), PH = H + 2*PH_pad, PW = W + 2*PW_pad, row
// after row. Number output pixels on the padded width, (i, j) -> i*PW + j. Then the tap (c, ki, kj)
// of output pixel (i, j) reads padded[c][i + ki][j + kj], the float at
//     c*PH*PW + ki*PW + kj  +  i*PW + j  =  tap_start(c, ki, kj) + column
// so row (c, ki, kj) of the im2col matrix is simply the run of floats from tap_start(c, ki, kj),
// and the matrix product can read it in place through a table of row starts (gemm_b_table). The
// columns with j >= OW are windows that wrap around the right edge: they are computed and dropped
// when the result is copied out (PW - OW of every PW columns; (N - 1)*PW + OW columns in all, so no
// read runs past the buffer).
//
// Backward, per image:
//   dW^T (C*KH*KW, OC) += im2col(x) * dy^T: the same row table, now for the left operand, times dy
//       laid out on the padded width with zeros in the dropped columns (gemm_a_table_bt).
//   dx, one of two ways, whichever does less work (dx_by_flipped_kernel below):
//     * flipped kernel: dx is the convolution of dy, zero-padded by KH-1-PH rows and KW-1-PW
//       columns, with the kernel flipped and its two channel axes swapped:
//         dx[c][h][w] = sum over o, ki, kj of W[o][c][KH-1-ki][KW-1-kj] * dy_padded[o][h + ki][w + kj]
//       (substitute ki -> KH-1-ki in the sum in conv2d.cpp): the forward algorithm again. Cheap
//       when dy needs little padding ("same" convolutions such as 3x3 with padding 1).
//     * col2im on the padded width: dcols (C*KH*KW, columns) = W^T * dy on the padded width, whose
//       dropped columns are zero because dy's are; then row (c, ki, kj) of dcols is added, as one
//       run, onto the padded dx at tap_start(c, ki, kj) (the adjoint of reading it there), and the
//       padding is cropped off. Cheaper when the flipped kernel would multiply mostly padding
//       (lenet5's 5x5 without padding: dy 10x10 padded to 18x18).
#include <algorithm>

#include "core/parallel.hpp"
#include "kernels/conv_kernels.hpp"

namespace minicnn {

namespace {
std::size_t z(long v) { return static_cast<std::size_t>(v); }

// The start of row (c, ki, kj) in a padded (C, PH, PW) buffer, for every tap in im2col's row order.
void set_tap_starts(std::vector<long>& taps, long C, long KH, long KW, long PH, long PW) {
  taps.resize(z(C * KH * KW));
  long* t = taps.data();
  for (long c = 0; c < C; ++c)
    for (long ki = 0; ki < KH; ++ki)
      for (long kj = 0; kj < KW; ++kj) *t++ = (c * PH + ki) * PW + kj;
}

// Sizes of one implicit convolution of an image: (C, H, W) zero-padded by (PH, PW) on each side
// into (C, H + 2*PH, W + 2*PW); output (OH, OW) computed on the padded width.
struct Padded {
  long H, W;   // padded size
  long cols;   // columns of the wide result: (OH - 1) * W + OW
  Padded(long h, long w, long PH, long PW, long OH, long OW) : H(h + 2 * PH), W(w + 2 * PW), cols((OH - 1) * W + OW) {}
};

// dst (channels, OH, OW) from a result on the padded width: channel r's row i starts at
// wide + r*channel_stride + i*W. The wrapped-around columns are dropped; adds bias[r] if given.
void crop(const float* wide, long channels, long channel_stride, long OH, long OW, long W, const float* bias,
          float* dst) {
  for (long r = 0; r < channels; ++r) {
    const float b = bias ? bias[r] : 0.f;
    for (long i = 0; i < OH; ++i) {
      const float* src = wide + r * channel_stride + i * W;
      for (long j = 0; j < OW; ++j) *dst++ = src[j] + b;
    }
  }
}
// The adjoint of reading rows through a tap table: adds row r of dcols (rows, cols) onto dst at
// taps[r]. Rows are taken channel by channel within each (ki, kj), so consecutive runs land in
// different channels: a run that overlaps the one just written would wait for its stores.
void add_runs(const float* dcols, long C, long KH, long KW, long cols, const long* taps, float* dst) {
  for (long ki = 0; ki < KH; ++ki)
    for (long kj = 0; kj < KW; ++kj)
      for (long c = 0; c < C; ++c) {
        const long r = (c * KH + ki) * KW + kj;
        const float* src = dcols + r * cols;
        float* out = dst + taps[r];
        for (long q = 0; q < cols; ++q) out[q] += src[q];
      }
}

// See the top of the file: the flipped kernel unless dy would need more padding than x has.
bool dx_by_flipped_kernel(const Geometry& g) { return g.KH - 1 - g.PH <= g.PH && g.KW - 1 - g.PW <= g.PW; }
}  // namespace

// y (OC, OH*OW) = W (OC, C*KH*KW) * im2col(x), read from the padded image through the tap table.
void ConvWorkspace::forward_implicit(const GemmKernels& k, const ConvProblem& p, const float* x, const float* w,
                                     const float* b, float* y, float* x_copy) {
  const Geometry& g = p.g;
  const Padded pad(g.H, g.W, g.PH, g.PW, g.OH, g.OW);
  const long CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W, P = g.OH * g.OW, PCHW = g.C * pad.H * pad.W;
  const bool padding = g.PH > 0 || g.PW > 0;
  set_tap_starts(x_taps_, g.C, g.KH, g.KW, pad.H, pad.W);
  // The padded images are kept for backward, which reads them again for dW (without padding the
  // image itself is the padded image, and backward reads x).
  if (padding) ensure_shape(x_padded_, {z(p.N * PCHW)});
  padded_for_ = padding ? x_copy : nullptr;
  chunks_.resize(z(chunk_count(z(p.N))));
  for (Chunk& ch : chunks_) ensure_shape(ch.wide, {z(p.OC * pad.cols)});
  parallel_for(z(p.N), [&](std::size_t n0, std::size_t n1, int c) {
    float* wide = chunks_[z(c)].wide.data();
    for (std::size_t n = n0; n < n1; ++n) {
      const float* xn = x + n * z(CHW);
      std::copy(xn, xn + CHW, x_copy + n * z(CHW));
      const float* padded = xn;
      if (padding) {
        float* dst = x_padded_.data() + n * z(PCHW);
        pad_image(xn, g.C, g.H, g.W, g.PH, g.PH, g.PW, g.PW, dst);
        padded = dst;
      }
      k.gemm_b_table(static_cast<int>(p.OC), static_cast<int>(pad.cols), static_cast<int>(CKK), w,
                     static_cast<int>(CKK), padded, x_taps_.data(), 0.f, wide, static_cast<int>(pad.cols));
      crop(wide, p.OC, pad.cols, g.OH, g.OW, pad.W, b, y + n * z(p.OC * P));
    }
  });
}

void ConvWorkspace::backward_implicit(const GemmKernels& k, const ConvProblem& p, const float* x, const float* w,
                                      const float* dy, float* dw, float* db, float* dx) {
  const Geometry& g = p.g;
  const long OC = p.OC, CKK = g.C * g.KH * g.KW, OCKK = OC * g.KH * g.KW, CHW = g.C * g.H * g.W, P = g.OH * g.OW;
  const Padded xpad(g.H, g.W, g.PH, g.PW, g.OH, g.OW);
  // For dx by the flipped kernel: dy (OH, OW) padded by K-1-P into (H + KH - 1, W + KW - 1), output (H, W).
  const long QH = g.KH - 1 - g.PH, QW = g.KW - 1 - g.PW;
  const Padded dypad(g.OH, g.OW, QH, QW, g.H, g.W);
  const bool flipped = dx && dx_by_flipped_kernel(g), col2im = dx && !flipped;
  const int chunks = chunk_count(z(p.N));
  set_tap_starts(x_taps_, g.C, g.KH, g.KW, xpad.H, xpad.W);
  if (flipped) {
    set_tap_starts(dy_taps_, OC, g.KH, g.KW, dypad.H, dypad.W);
    ensure_shape(w_flipped_, {z(g.C), z(OCKK)});  // (C, OC*KH*KW): W[o][c] flipped, at column o*KH*KW
    float* wf = w_flipped_.data();
    const long KK = g.KH * g.KW;
    for (long o = 0; o < OC; ++o)
      for (long c = 0; c < g.C; ++c)
        for (long t = 0; t < KK; ++t) wf[c * OCKK + o * KK + (KK - 1 - t)] = w[(o * g.C + c) * KK + t];
  }
  chunks_.resize(z(chunks));
  const bool padding = g.PH > 0 || g.PW > 0;
  // The padded images forward kept, if they are of this x (else pad them here, per chunk).
  const bool kept = padding && padded_for_ == x && x_padded_.size() >= z(p.N * g.C * xpad.H * xpad.W);
  for (Chunk& ch : chunks_) {  // (a buffer this call does not use keeps its size: no reallocation next time)
    if (dw && padding && !kept) ensure_shape(ch.padded, {z(g.C * xpad.H * xpad.W)});
    if (dw || col2im) ensure_shape(ch.dy_wide, {z(OC * g.OH * xpad.W)});
    if (flipped) ensure_shape(ch.dy_padded, {z(OC * dypad.H * dypad.W)});
    if (flipped) ensure_shape(ch.dx_wide, {z(g.C * dypad.cols)});
    if (col2im) ensure_shape(ch.dcols, {z(CKK * xpad.cols)});
    if (col2im) ensure_shape(ch.dx_wide, {z(g.C * xpad.H * xpad.W)});
    ensure_shape(ch.dw_part, {z(CKK), z(OC)});
    ensure_shape(ch.db_part, {z(OC)});
  }
  const int iCKK = static_cast<int>(CKK), iOC = static_cast<int>(OC), dy_stride = static_cast<int>(g.OH * xpad.W);
  parallel_for(z(p.N), [&](std::size_t n0, std::size_t n1, int c) {
    Chunk& ch = chunks_[z(c)];
    float* dbp = ch.db_part.data();
    std::fill(dbp, dbp + OC, 0.f);
    for (std::size_t n = n0; n < n1; ++n) {
      const float *xn = x + n * z(CHW), *dyn = dy + n * z(OC * P);
      float* dxn = dx + n * z(CHW);
      // Channel by channel, so the sum reads dy while the copy has it in L1.
      for (long o = 0; o < OC; ++o) {
        if (dw || col2im)  // dy (OC, OH, OW) on the padded width, zeros in the dropped columns
          pad_image(dyn + o * P, 1, g.OH, g.OW, 0, 0, 0, xpad.W - g.OW, ch.dy_wide.data() + o * g.OH * xpad.W);
        if (db) dbp[o] += sum8(dyn + o * P, P);  // 8 fixed-order partial sums: a single running sum cannot vectorise
      }
      if (dw) {
        const float* padded = xn;
        if (kept) {
          padded = x_padded_.data() + n * z(g.C * xpad.H * xpad.W);
        } else if (padding) {
          pad_image(xn, g.C, g.H, g.W, g.PH, g.PH, g.PW, g.PW, ch.padded.data());
          padded = ch.padded.data();
        }
        k.gemm_a_table_bt(iCKK, iOC, static_cast<int>(xpad.cols), padded, x_taps_.data(), ch.dy_wide.data(),
                          dy_stride, n == n0 ? 0.f : 1.f, ch.dw_part.data(), iOC);
      }
      if (flipped) {
        pad_image(dyn, OC, g.OH, g.OW, QH, QH, QW, QW, ch.dy_padded.data());
        k.gemm_b_table(static_cast<int>(g.C), static_cast<int>(dypad.cols), static_cast<int>(OCKK), w_flipped_.data(),
                       static_cast<int>(OCKK), ch.dy_padded.data(), dy_taps_.data(), 0.f, ch.dx_wide.data(),
                       static_cast<int>(dypad.cols));
        crop(ch.dx_wide.data(), g.C, dypad.cols, g.H, g.W, dypad.W, nullptr, dxn);
      }
      if (col2im) {
        float *dcols = ch.dcols.data(), *dx_padded = ch.dx_wide.data();
        k.gemm(true, false, iCKK, static_cast<int>(xpad.cols), iOC, 1.f, w, iCKK, ch.dy_wide.data(), dy_stride, 0.f,
               dcols, static_cast<int>(xpad.cols));
        std::fill(dx_padded, dx_padded + g.C * xpad.H * xpad.W, 0.f);
        add_runs(dcols, g.C, g.KH, g.KW, xpad.cols, x_taps_.data(), dx_padded);
        crop(dx_padded + g.PH * xpad.W + g.PW, g.C, xpad.H * xpad.W, g.H, g.W, xpad.W, nullptr, dxn);
      }
    }
  });
  add_up_partials(p, chunks, dw, db);
}

}  // namespace minicnn
