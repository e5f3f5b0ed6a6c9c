#include "kernels/conv_kernels.hpp"

#include <algorithm>

#include "core/parallel.hpp"
#include "kernels/gemm.hpp"
#include "minicnn/core/kernel_path.hpp"

// This file is built with -fno-tree-loop-distribute-patterns under GCC (see CMakeLists.txt):
// otherwise GCC turns each short row copy below into a call to memcpy, which costs more than the
// copy on short rows (bench/RESULTS.md).

namespace minicnn {

namespace {
// ceil(v / S) for v >= 0, without a division in the common stride-1 case.
long ceil_div(long v, long S) { return S == 1 ? v : (v + S - 1) / S; }

// [lo, hi): the output positions o in [0, n) whose input position o*S + off lies in [0, size).
// Computed once per kernel tap, so the loops over rows and columns need no bounds checks.
void valid_range(long off, long S, long size, long n, long& lo, long& hi) {
  lo = std::min(n, ceil_div(std::max(0L, -off), S));
  hi = std::clamp(ceil_div(std::max(0L, size - off), S), lo, n);
}

// The same convolution on the zero-padded image: no padding left.
Geometry on_padded_image(const Geometry& g) {
  Geometry p = g;
  p.H = g.H + 2 * g.PH;
  p.W = g.W + 2 * g.PW;
  p.PH = p.PW = 0;
  return p;
}

// im2col for one image with no bounds to check: every tap of every window is inside x.
// (Plain loops, not std::copy: see the note at the top of the file.)
void im2col_unpadded(const float* __restrict x, const Geometry& g, float* __restrict cols) {
  const long P = g.OH * g.OW;
  for (long c = 0; c < g.C; ++c)
    for (long ki = 0; ki < g.KH; ++ki)
      for (long kj = 0; kj < g.KW; ++kj, cols += P)
        for (long i = 0; i < g.OH; ++i) {
          float* out = cols + i * g.OW;
          const long row = (c * g.H + i * g.SH + ki * g.DH) * g.W + kj * g.DW;
          if (g.SW == 1)  // a separate loop so the common case vectorises
            for (long j = 0; j < g.OW; ++j) out[j] = x[row + j];
          else
            for (long j = 0; j < g.OW; ++j) out[j] = x[row + j * g.SW];
        }
}

// One kernel tap (c, ki, kj) = one row of the columns, with the output rows [i0, i1) and columns
// [j0, j1) whose input pixel lies inside the image; x[x0 + i*SH*W + j*SW] is that pixel.
struct Tap {
  long i0, i1, j0, j1, x0;
};

// Calls f(tap, cols_row) for every tap in the columns' row order, cols_row = 0, 1, 2, ...
// Shared by im2col and col2im, which walk the same windows in opposite directions.
template <class F>
void for_each_tap(const Geometry& g, F&& f) {
  long row = 0;
  for (long c = 0; c < g.C; ++c)
    for (long ki = 0; ki < g.KH; ++ki) {
      Tap t{};
      valid_range(ki * g.DH - g.PH, g.SH, g.H, g.OH, t.i0, t.i1);
      for (long kj = 0; kj < g.KW; ++kj, ++row) {
        const long woff = kj * g.DW - g.PW;
        valid_range(woff, g.SW, g.W, g.OW, t.j0, t.j1);
        t.x0 = (c * g.H + ki * g.DH - g.PH) * g.W + woff;
        f(t, row);
      }
    }
}

// im2col for one image with padding: taps outside the image read as zero. Indices rather than
// pointers, so nothing points outside x even for a tap that never lands inside it.
void im2col_padded(const float* __restrict x, const Geometry& g, float* __restrict cols) {
  const long P = g.OH * g.OW;
  for_each_tap(g, [&](const Tap& t, long r) {
    float* rowp = cols + r * P;
    std::fill(rowp, rowp + t.i0 * g.OW, 0.f);
    std::fill(rowp + t.i1 * g.OW, rowp + P, 0.f);
    for (long i = t.i0; i < t.i1; ++i) {
      float* out = rowp + i * g.OW;
      const long xi = t.x0 + i * g.SH * g.W;
      for (long j = 0; j < t.j0; ++j) out[j] = 0.f;
      if (g.SW == 1)
        for (long j = t.j0; j < t.j1; ++j) out[j] = x[xi + j];
      else
        for (long j = t.j0; j < t.j1; ++j) out[j] = x[xi + j * g.SW];
      for (long j = t.j1; j < g.OW; ++j) out[j] = 0.f;
    }
  });
}
}  // namespace

std::size_t im2col_scratch_size(const Geometry& g) {
  if (g.PH == 0 && g.PW == 0) return 0;
  const long padded = g.C * (g.H + 2 * g.PH) * (g.W + 2 * g.PW);
  return padded <= g.C * g.KH * g.KW * g.OH * g.OW ? static_cast<std::size_t>(padded) : 0;
}

// With padding and room in scratch, copy the image into a zero border first, then take the
// bounds-free path: rows then no longer split into zero / copy / zero pieces at every tap
// (faster for lenet5's padded first layer; bench/RESULTS.md).
void im2col(const float* x, const Geometry& g, float* cols, float* scratch) {
  if (g.PH == 0 && g.PW == 0) return im2col_unpadded(x, g, cols);
  if (im2col_scratch_size(g) == 0 || scratch == nullptr) return im2col_padded(x, g, cols);
  pad_image(x, g.C, g.H, g.W, g.PH, g.PH, g.PW, g.PW, scratch);
  im2col_unpadded(scratch, on_padded_image(g), cols);
}

void pad_image(const float* x, long C, long H, long W, long top, long bottom, long left, long right, float* dst) {
  const long PW = W + left + right;
  for (long c = 0; c < C; ++c) {
    for (long i = 0; i < top * PW; ++i) *dst++ = 0.f;
    for (long h = 0; h < H; ++h, x += W) {
      for (long j = 0; j < left; ++j) *dst++ = 0.f;
      for (long j = 0; j < W; ++j) *dst++ = x[j];  // a plain loop: see the note at the top of the file
      for (long j = 0; j < right; ++j) *dst++ = 0.f;
    }
    for (long i = 0; i < bottom * PW; ++i) *dst++ = 0.f;
  }
}

// The adjoint of im2col: dx[c][h][w] = sum of dcols over every (row, column) im2col read
// x[c][h][w] into. dx (C, H, W) is overwritten.
void col2im(const float* __restrict dcols, const Geometry& g, float* __restrict dx) {
  std::fill(dx, dx + g.C * g.H * g.W, 0.f);
  const long P = g.OH * g.OW;
  for_each_tap(g, [&](const Tap& t, long r) {
    for (long i = t.i0; i < t.i1; ++i) {
      const float* in = dcols + r * P + i * g.OW;
      const long xi = t.x0 + i * g.SH * g.W;
      if (g.SW == 1)  // a separate loop so the common case vectorises
        for (long j = t.j0; j < t.j1; ++j) dx[xi + j] += in[j];
      else
        for (long j = t.j0; j < t.j1; ++j) dx[xi + j * g.SW] += in[j];
    }
  });
}

float sum8(const float* a, long n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  long j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[j + k];
  for (int k = 0; j < n; ++j, ++k) acc[k] += a[j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

namespace {
std::size_t z(long v) { return static_cast<std::size_t>(v); }
}  // namespace

bool implicit_fits(const ConvProblem& p) {
  const Geometry& g = p.g;
  return p.G == 1 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 && g.PH < g.KH && g.PW < g.KW;
}

void ConvWorkspace::forward(const ConvProblem& p, const float* x, const float* w, const float* b, float* y,
                            float* x_copy) {
  const GemmKernels* k = own_gemm_kernels(kernel_path());
  forget_input();
  last_algorithm_ = winograd_forward(p) ? "winograd" : k && implicit_fits(p) ? "implicit" : "im2col";
  if (winograd_forward(p)) return winograd_.forward(p, x, w, b, y, x_copy);
  if (k && implicit_fits(p)) return forward_implicit(*k, p, x, w, b, y, x_copy);
  forward_im2col(p, x, w, b, y, x_copy);
}

void ConvWorkspace::backward(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw,
                             float* db, float* dx) {
  const GemmKernels* k = own_gemm_kernels(kernel_path());
  if (winograd_backward(p)) return winograd_.backward(p, x, w, dy, dw, db, dx);
  if (k && implicit_fits(p)) return backward_implicit(*k, p, x, w, dy, dw, db, dx);
  backward_im2col(p, x, w, dy, dw, db, dx);
}

// One group's geometry: its C / G input channels, the rest as g.
Geometry group_geometry(const ConvProblem& p) {
  Geometry gg = p.g;
  gg.C = p.g.C / p.G;
  return gg;
}

// One GEMM per image and group rather than one per batch: the columns stay in L2 and the product
// lands in NCHW order with no transpose. The columns are unfolded one group at a time, so a
// depthwise layer's are those of one channel (C*KH*KW x OH*OW for all of them would be 9x its input).
void ConvWorkspace::forward_im2col(const ConvProblem& p, const float* x, const float* w, const float* b, float* y,
                                   float* x_copy) {
  const Geometry gg = group_geometry(p);
  const int G = static_cast<int>(p.G), OCg = static_cast<int>(p.OC / p.G), P = static_cast<int>(gg.OH * gg.OW);
  const int CKKg = static_cast<int>(gg.C * gg.KH * gg.KW);
  const std::size_t CHW = z(p.g.C * gg.H * gg.W), CgHW = z(gg.C * gg.H * gg.W);
  chunks_.resize(z(chunk_count(z(p.N))));
  for (Chunk& ch : chunks_) {
    ensure_shape(ch.cols, {z(CKKg), z(P)});
    ensure_shape(ch.padded, {im2col_scratch_size(gg)});
  }
  parallel_for(z(p.N), [&](std::size_t n0, std::size_t n1, int c) {
    float *cols = chunks_[z(c)].cols.data(), *scratch = chunks_[z(c)].padded.data();
    for (std::size_t n = n0; n < n1; ++n) {
      float* yn = y + n * z(p.OC) * z(P);
      std::copy(x + n * CHW, x + (n + 1) * CHW, x_copy + n * CHW);
      for (int gi = 0; gi < G; ++gi) {
        im2col(x_copy + n * CHW + z(gi) * CgHW, gg, cols, scratch);
        gemm(false, false, OCg, P, CKKg, 1.f, w + gi * OCg * CKKg, CKKg, cols, P, 0.f, yn + gi * OCg * P, P);
      }
      if (b)
        for (long o = 0; o < p.OC; ++o)
          for (float *q = yn + o * P, *e = q + P; q < e; ++q) *q += b[o];
    }
  });
}

// Per image n and group g (the math is in conv2d.cpp):
//   dW_g^T += cols_n,g * dy_n,g^T   (built transposed: OpenBLAS runs that shape faster; with 16 or
//                                    more outputs per group from a copied dy^T, so no transpose flag)
//   dcols_g = W_g^T * dy_n,g, then dx_n = col2im(dcols)
// The columns are rebuilt from x rather than kept from forward: a batch's columns do not fit in
// cache (bench/RESULTS.md).
void ConvWorkspace::backward_im2col(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw,
                                    float* db, float* dx) {
  const Geometry gg = group_geometry(p);
  const int G = static_cast<int>(p.G), OC = static_cast<int>(p.OC), OCg = OC / G;
  const int P = static_cast<int>(gg.OH * gg.OW), CKKg = static_cast<int>(gg.C * gg.KH * gg.KW);
  const std::size_t CHW = z(p.g.C * gg.H * gg.W), CgHW = z(gg.C * gg.H * gg.W);
  const int chunks = chunk_count(z(p.N));
  const bool copy_dyt = OCg >= 16;
  chunks_.resize(z(chunks));
  for (Chunk& ch : chunks_) {  // one group's columns at a time, as in forward
    ensure_shape(ch.cols, {z(CKKg), z(P)});
    ensure_shape(ch.padded, {im2col_scratch_size(gg)});
    if (dx) ensure_shape(ch.dcols, {z(CKKg) * z(P)});
    ensure_shape(ch.dyt, {copy_dyt ? z(P * OCg) : 0});
    ensure_shape(ch.dw_part, {z(G) * z(CKKg), z(OCg)});
    ensure_shape(ch.db_part, {z(OC)});
  }
  parallel_for(z(p.N), [&](std::size_t n0, std::size_t n1, int c) {
    Chunk& ch = chunks_[z(c)];
    float *cols = ch.cols.data(), *dcols = ch.dcols.data(), *dwp = ch.dw_part.data();
    float *dyt = ch.dyt.data(), *dbp = ch.db_part.data(), *scratch = ch.padded.data();
    std::fill(dbp, dbp + OC, 0.f);
    for (std::size_t n = n0; n < n1; ++n) {
      const float* dyn = dy + n * z(OC) * z(P);
      if (db)  // 8 fixed-order partial sums: a single running float sum cannot vectorise
        for (int o = 0; o < OC; ++o) dbp[o] += sum8(dyn + o * P, P);
      for (int gi = 0; gi < G; ++gi) {
        const float* dyg = dyn + gi * OCg * P;
        if (dw) {
          im2col(x + n * CHW + z(gi) * CgHW, gg, cols, scratch);
          const float* dyg_t = dyg;  // dy_n,g^T: as a transpose flag, or copied out (OH*OW, OC/G)
          if (copy_dyt) {
            for (int o = 0; o < OCg; ++o)
              for (int q = 0; q < P; ++q) dyt[q * OCg + o] = dyg[o * P + q];
            dyg_t = dyt;
          }
          gemm(false, !copy_dyt, CKKg, OCg, P, 1.f, cols, P, dyg_t, copy_dyt ? OCg : P, n == n0 ? 0.f : 1.f,
               dwp + gi * CKKg * OCg, OCg);
        }
        if (dx) {
          gemm(true, false, CKKg, P, OCg, 1.f, w + gi * OCg * CKKg, CKKg, dyg, P, 0.f, dcols, P);
          col2im(dcols, gg, dx + n * CHW + z(gi) * CgHW);
        }
      }
    }
  });
  add_up_partials(p, chunks, dw, db);
}

// The per-chunk partial sums are added in chunk order, so the result does not depend on which
// thread ran which chunk, or when.
void ConvWorkspace::add_up_partials(const ConvProblem& p, int chunks, float* dw, float* db) {
  const Geometry& g = p.g;
  const std::size_t G = z(p.G), OC = z(p.OC), OCg = OC / G, CKKg = z(g.C / p.G * g.KH * g.KW);
  if (dw)  // (OC, CKKg) from per-chunk (G, CKKg, OCg)
    for (std::size_t gi = 0; gi < G; ++gi)
      for (std::size_t o = 0; o < OCg; ++o)
        for (std::size_t k = 0; k < CKKg; ++k) {
          const std::size_t from = (gi * CKKg + k) * OCg + o;
          float sum = chunks_[0].dw_part.data()[from];
          for (int c = 1; c < chunks; ++c) sum += chunks_[z(c)].dw_part.data()[from];
          dw[(gi * OCg + o) * CKKg + k] = sum;
        }
  if (db)
    for (std::size_t o = 0; o < OC; ++o) {
      float sum = chunks_[0].db_part.data()[o];
      for (int c = 1; c < chunks; ++c) sum += chunks_[z(c)].db_part.data()[o];
      db[o] = sum;
    }
}

}  // namespace minicnn
