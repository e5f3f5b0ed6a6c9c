// Winograd F(2x2, 3x3): the math and the layout are at the top of conv_winograd.hpp.
#include "kernels/conv_winograd.hpp"

#include <algorithm>

#include "core/parallel.hpp"
#include "kernels/conv_kernels.hpp"
#include "kernels/gemm.hpp"
#include "minicnn/core/kernel_path.hpp"

namespace minicnn {

namespace {
std::size_t z(long v) { return static_cast<std::size_t>(v); }

// The 2x2 tiles covering an output (OH, OW), and the zero-padded input (HP, WP) they read:
// tile (ti, tj) reads rows 2ti..2ti+3 and columns 2tj..2tj+3.
struct Tiling {
  long TH, TW, T, HP, WP;
};
Tiling tiling(long OH, long OW) {
  const long TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  return {TH, TW, TH * TW, 2 * TH + 2, 2 * TW + 2};
}

// u[e * stride] = (G g G^T)[e] for one 3x3 kernel g (row-major), e = 4 * row + column.
void transform_kernel(const float* g, float* u, std::size_t stride) {
  float gg[4][3];  // G g
  for (int j = 0; j < 3; ++j) {
    gg[0][j] = g[j];
    gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
    gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
    gg[3][j] = g[6 + j];
  }
  for (int i = 0; i < 4; ++i) {  // (G g) G^T
    const float a = gg[i][0], b = gg[i][1], c = gg[i][2];
    u[(4 * i + 0) * stride] = a;
    u[(4 * i + 1) * stride] = 0.5f * (a + b + c);
    u[(4 * i + 2) * stride] = 0.5f * (a - b + c);
    u[(4 * i + 3) * stride] = c;
  }
}

// u (16, OC, C) from w (OC, C, 3, 3); flipped: u (16, C, OC) of W[o][c] rotated by 180 degrees.
void transform_kernels(const float* w, long OC, long C, bool flipped, float* u) {
  const std::size_t stride = z(OC * C);
  float g[9];
  for (long o = 0; o < OC; ++o)
    for (long c = 0; c < C; ++c) {
      const float* k = w + (o * C + c) * 9;
      if (!flipped) {
        transform_kernel(k, u + o * C + c, stride);
        continue;
      }
      for (int t = 0; t < 9; ++t) g[t] = k[8 - t];
      transform_kernel(g, u + c * OC + o, stride);
    }
}

// v (16, C, T) = B^T d B for every tile d of padded (C, HP, WP). rows holds 4 * WP floats.
void input_transform(const float* padded, long C, const Tiling& t, float* rows, float* v) {
  const long WP = t.WP, CT = C * t.T;
  float *u0 = rows, *u1 = rows + WP, *u2 = rows + 2 * WP, *u3 = rows + 3 * WP;
  for (long c = 0; c < C; ++c)
    for (long ti = 0; ti < t.TH; ++ti) {
      const float* r0 = padded + (c * t.HP + 2 * ti) * WP;
      const float *r1 = r0 + WP, *r2 = r1 + WP, *r3 = r2 + WP;
      for (long k = 0; k < WP; ++k) {  // B^T d for every tile of the row at once
        u0[k] = r0[k] - r2[k];
        u1[k] = r1[k] + r2[k];
        u2[k] = r2[k] - r1[k];
        u3[k] = r1[k] - r3[k];
      }
      float* out = v + c * t.T + ti * t.TW;
      const float* u[4] = {u0, u1, u2, u3};
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        const float* q = u[i];
        float *o0 = out + (4 * i) * CT, *o1 = o0 + CT, *o2 = o1 + CT, *o3 = o2 + CT;
        for (long tj = 0; tj < t.TW; ++tj) {
          const float a = q[2 * tj], b = q[2 * tj + 1], c2 = q[2 * tj + 2], d = q[2 * tj + 3];
          o0[tj] = a - c2;
          o1[tj] = b + c2;
          o2[tj] = c2 - b;
          o3[tj] = b - d;
        }
      }
    }
}

// out (Cout, OH, OW) = A^T M A per channel and tile, plus bias, cropped to (OH, OW).
void output_transform(const float* m, long Cout, const Tiling& t, long OH, long OW, const float* bias, float* out) {
  const long CT = Cout * t.T, full = OW / 2;
  for (long o = 0; o < Cout; ++o) {
    const float b = bias ? bias[o] : 0.f;
    for (long ti = 0; ti < t.TH; ++ti) {
      const float* q = m + o * t.T + ti * t.TW;
      float* y0 = out + (o * OH + 2 * ti) * OW;
      float* y1 = 2 * ti + 1 < OH ? y0 + OW : nullptr;
      auto tile = [&](long tj, float r[4]) {
        float s[2][4];  // A^T M
        for (int j = 0; j < 4; ++j) {
          const float m0 = q[j * CT + tj], m1 = q[(4 + j) * CT + tj], m2 = q[(8 + j) * CT + tj],
                      m3 = q[(12 + j) * CT + tj];
          s[0][j] = m0 + m1 + m2;
          s[1][j] = m1 - m2 - m3;
        }
        for (int i = 0; i < 2; ++i) {  // (A^T M) A
          r[2 * i] = s[i][0] + s[i][1] + s[i][2] + b;
          r[2 * i + 1] = s[i][1] - s[i][2] - s[i][3] + b;
        }
      };
      float r[4];
      for (long tj = 0; tj < full; ++tj) {
        tile(tj, r);
        y0[2 * tj] = r[0];
        y0[2 * tj + 1] = r[1];
        if (y1) y1[2 * tj] = r[2], y1[2 * tj + 1] = r[3];
      }
      if (full < t.TW) {  // odd width: the last tile's right column falls outside
        tile(full, r);
        y0[2 * full] = r[0];
        if (y1) y1[2 * full] = r[2];
      }
    }
  }
}

// d (16, OC, T) = A dy A^T for every 2x2 tile of dy_pad (OC, 2*TH, 2*TW).
void dy_transform(const float* dy_pad, long OC, const Tiling& t, float* d) {
  const long W2 = 2 * t.TW, CT = OC * t.T;
  for (long o = 0; o < OC; ++o)
    for (long ti = 0; ti < t.TH; ++ti) {
      const float* r0 = dy_pad + (o * 2 * t.TH + 2 * ti) * W2;
      const float* r1 = r0 + W2;
      float* out = d + o * t.T + ti * t.TW;
      for (long tj = 0; tj < t.TW; ++tj) {
        const float a = r0[2 * tj], b = r0[2 * tj + 1], c = r1[2 * tj], e = r1[2 * tj + 1];
        const float rows[4][2] = {{a, b}, {a + c, b + e}, {a - c, b - e}, {-c, -e}};  // A dy
        for (int i = 0; i < 4; ++i) {  // (A dy) A^T
          const float p = rows[i][0], s = rows[i][1];
          out[(4 * i + 0) * CT + tj] = p;
          out[(4 * i + 1) * CT + tj] = p + s;
          out[(4 * i + 2) * CT + tj] = p - s;
          out[(4 * i + 3) * CT + tj] = -s;
        }
      }
    }
}

// dw (OC, C, 3, 3) = G^T X G per kernel, X[e] = x[e * stride + o * C + c] (4x4).
void finish_weight_gradient(const float* x, long OC, long C, float* dw) {
  const std::size_t stride = z(OC * C);
  for (long o = 0; o < OC; ++o)
    for (long c = 0; c < C; ++c) {
      const float* X = x + o * C + c;
      float p[3][4];  // G^T X
      for (int j = 0; j < 4; ++j) {
        const float x0 = X[j * stride], x1 = X[(4 + j) * stride], x2 = X[(8 + j) * stride],
                    x3 = X[(12 + j) * stride];
        p[0][j] = x0 + 0.5f * (x1 + x2);
        p[1][j] = 0.5f * (x1 - x2);
        p[2][j] = 0.5f * (x1 + x2) + x3;
      }
      float* out = dw + (o * C + c) * 9;
      for (int i = 0; i < 3; ++i) {  // (G^T X) G
        out[3 * i + 0] = p[i][0] + 0.5f * (p[i][1] + p[i][2]);
        out[3 * i + 1] = 0.5f * (p[i][1] - p[i][2]);
        out[3 * i + 2] = 0.5f * (p[i][1] + p[i][2]) + p[i][3];
      }
    }
}
}  // namespace

bool winograd_fits(const ConvProblem& p) {
  const Geometry& g = p.g;
  return p.G == 1 && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 && g.PH <= 2 &&
         g.PW <= 2;
}

bool winograd_forward(const ConvProblem& p) {
  switch (conv_algorithm()) {
    case ConvAlgorithm::direct: return false;
    case ConvAlgorithm::winograd: return winograd_fits(p);
    case ConvAlgorithm::automatic: break;
  }
  return winograd_fits(p) && p.g.C >= kWinogradMinChannels && p.OC >= kWinogradMinChannels;
}

bool winograd_backward(const ConvProblem& p) { return conv_algorithm() == ConvAlgorithm::winograd && winograd_fits(p); }

// The same sizes on every call for one problem, whichever of forward and backward asks, so the
// buffers keep their shapes (a tensor reallocates on any change of shape).
void WinogradConv::prepare(const ConvProblem& p) {
  const Geometry& g = p.g;
  const Tiling tx = tiling(g.OH, g.OW), td = tiling(g.H, g.W);  // forward and dW; dx
  const long padded = std::max(g.C * tx.HP * tx.WP, p.OC * td.HP * td.WP);
  const long v = 16 * std::max(g.C * tx.T, p.OC * td.T), m = 16 * std::max(p.OC * tx.T, g.C * td.T);
  const int chunks = std::max(chunk_count(z(p.N)), chunk_count(z((p.N + kBlock - 1) / kBlock)));
  if (chunks_.size() < z(chunks)) chunks_.resize(z(chunks));
  for (Chunk& ch : chunks_) {
    ensure_shape(ch.padded, {z(padded)});
    ensure_shape(ch.rows, {z(4 * std::max(tx.WP, td.WP))});
    ensure_shape(ch.v, {z(v)});
    ensure_shape(ch.m, {z(m)});
  }
  ensure_shape(u_, {z(16 * p.OC * g.C)});
}

void WinogradConv::image(const float* in, long Cin, long H, long W, long PH, long PW, const float* u, long Cout,
                         const float* bias, long OH, long OW, float* out, Chunk& ch) {
  const Tiling t = tiling(OH, OW);
  float *v = ch.v.data(), *m = ch.m.data();
  pad_image(in, Cin, H, W, PH, t.HP - H - PH, PW, t.WP - W - PW, ch.padded.data());
  input_transform(ch.padded.data(), Cin, t, ch.rows.data(), v);
  const int iT = static_cast<int>(t.T), iCin = static_cast<int>(Cin), iCout = static_cast<int>(Cout);
  for (long e = 0; e < 16; ++e)
    gemm(false, false, iCout, iT, iCin, 1.f, u + e * Cout * Cin, iCin, v + e * Cin * t.T, iT, 0.f, m + e * Cout * t.T,
         iT);
  output_transform(m, Cout, t, OH, OW, bias, out);
}

void WinogradConv::forward(const ConvProblem& p, const float* x, const float* w, const float* b, float* y,
                           float* x_copy) {
  const Geometry& g = p.g;
  const long CHW = g.C * g.H * g.W, OCP = p.OC * g.OH * g.OW;
  prepare(p);
  transform_kernels(w, p.OC, g.C, false, u_.data());
  parallel_for(z(p.N), [&](std::size_t n0, std::size_t n1, int c) {
    for (std::size_t n = n0; n < n1; ++n) {
      const float* xn = x + n * z(CHW);
      std::copy(xn, xn + CHW, x_copy + n * z(CHW));
      image(xn, g.C, g.H, g.W, g.PH, g.PW, u_.data(), p.OC, b, g.OH, g.OW, y + n * z(OCP), chunks_[z(c)]);
    }
  });
}

void WinogradConv::backward(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw,
                            float* db, float* dx) {
  const Geometry& g = p.g;
  const long OC = p.OC, C = g.C, CHW = C * g.H * g.W, P = g.OH * g.OW;
  const Tiling t = tiling(g.OH, g.OW);
  const long blocks = (p.N + kBlock - 1) / kBlock, part = 16 * OC * C + OC;
  prepare(p);
  const int chunks = chunk_count(z(blocks));
  ensure_shape(dy_pad_, {z(chunks_.size()), z(OC * 4 * t.T)});
  ensure_shape(parts_, {z(blocks), z(part)});
  if (dx) transform_kernels(w, OC, C, true, u_.data());
  const int iOC = static_cast<int>(OC), iC = static_cast<int>(C), iT = static_cast<int>(t.T);
  parallel_for(z(blocks), [&](std::size_t b0, std::size_t b1, int c) {
    Chunk& ch = chunks_[z(c)];
    float* dyp = dy_pad_.data() + z(c) * z(OC * 4 * t.T);
    for (std::size_t blk = b0; blk < b1; ++blk) {
      float *dwp = parts_.data() + blk * z(part), *dbp = dwp + 16 * OC * C;
      std::fill(dbp, dbp + OC, 0.f);
      const std::size_t n0 = blk * z(kBlock), n1 = std::min(z(p.N), n0 + z(kBlock));
      for (std::size_t n = n0; n < n1; ++n) {
        const float* dyn = dy + n * z(OC * P);
        if (db)  // 8 fixed-order partial sums: a single running sum cannot vectorise
          for (long o = 0; o < OC; ++o) dbp[o] += sum8(dyn + o * P, P);
        if (dw) {
          float *v = ch.v.data(), *d = ch.m.data();
          pad_image(x + n * z(CHW), C, g.H, g.W, g.PH, t.HP - g.H - g.PH, g.PW, t.WP - g.W - g.PW, ch.padded.data());
          input_transform(ch.padded.data(), C, t, ch.rows.data(), v);
          pad_image(dyn, OC, g.OH, g.OW, 0, 2 * t.TH - g.OH, 0, 2 * t.TW - g.OW, dyp);
          dy_transform(dyp, OC, t, d);
          for (long e = 0; e < 16; ++e)  // dW_hat[e] (OC, C) += D[e] (OC, T) V[e]^T (T, C)
            gemm(false, true, iOC, iC, iT, 1.f, d + e * OC * t.T, iT, v + e * C * t.T, iT, n == n0 ? 0.f : 1.f,
                 dwp + e * OC * C, iC);
        }
        if (dx)
          image(dyn, OC, g.OH, g.OW, 2 - g.PH, 2 - g.PW, u_.data(), C, nullptr, g.H, g.W, dx + n * z(CHW), ch);
      }
    }
  });
  // The blocks' partial sums, added in block order.
  float* sum = parts_.data();
  for (long blk = 1; blk < blocks; ++blk) {
    const float* q = parts_.data() + blk * part;
    for (long i = 0; i < part; ++i) sum[i] += q[i];
  }
  if (dw) finish_weight_gradient(sum, OC, C, dw);
  if (db) std::copy(sum + 16 * OC * C, sum + part, db);
}

}  // namespace minicnn
