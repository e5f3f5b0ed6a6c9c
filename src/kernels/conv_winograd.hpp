#pragma once
// Private: Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015) for Conv2d's stride-1, dilation-1, one-group 3x3 layers:
// forward, data gradient and weight gradient. ConvWorkspace (conv_kernels.hpp) calls it when
// winograd_forward() and winograd_backward() say so.
//
// One output tile of 2x2 pixels reads a 4x4 input tile d (tiles overlap by 2). With g the 3x3 kernel,
//     y_tile (2x2) = A^T [ (G g G^T) (.) (B^T d B) ] A          (.) = element-wise product
//     B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
//           | 0  1  1  0 |        | 1/2  1/2  1/2|          | 0  1 -1 -1 |
//           | 0 -1  1  0 |        | 1/2 -1/2  1/2|
//           | 0  1  0 -1 |        | 0    0    1  |
// 16 multiplications per tile and channel pair instead of 36 (2.25x fewer). Summed over input
// channels, each of the 16 element positions e is a matrix product, batched over an image's tiles:
//     U[e] (OC, C)  = (G g G^T)[e] for every kernel W[o][c]          once per call
//     V[e] (C, T)   = (B^T d B)[e] for every channel and tile         per image
//     M[e] (OC, T)  = U[e] V[e]                                       16 gemm() calls per image
//     y             = A^T M A per output channel and tile, cropped at the right and bottom edges
// Backward, per image (the math is the adjoint of the forward's, since y is linear in g and d):
//     dW = G^T [ sum over tiles and images of (A dy_tile A^T) (.) V ] G:
//          D[e] (OC, T) = (A dy A^T)[e], then dW_hat[e] (OC, C) += D[e] V[e]^T, then G^T . G
//     dx = the same forward algorithm on dy, zero-padded by 2 - P, with the kernel flipped and its
//          two channel axes swapped (dx[c][h][w] = sum of W[o][c][2-ki][2-kj] dy_pad[o][h+ki][w+kj]).
// Tiles past the output's edge read zero padding; dy is zero-padded to whole tiles for dW.
// Each direction stands alone (a Winograd forward may be followed by a direct backward).
#include <cstddef>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

struct ConvProblem;  // conv_kernels.hpp

// Can Winograd F(2x2, 3x3) run p (3x3, stride 1, dilation 1, one group, padding <= 2)?
bool winograd_fits(const ConvProblem& p);
// Does p's forward (or backward) run on Winograd under the current MINICNN_CONV setting
// (core/kernel_path.hpp)? winograd: every fitting layer, both ways. auto: only where it measured
// faster (bench/RESULTS.md, "Issue 29: Winograd"): the forward of a fitting layer with at least
// kWinogradMinChannels input and output channels; every backward stays direct.
bool winograd_forward(const ConvProblem& p);
bool winograd_backward(const ConvProblem& p);
constexpr long kWinogradMinChannels = 64;

class WinogradConv {
 public:
  // As ConvWorkspace::forward: y (N, OC, OH, OW) from x (N, C, H, W), w (OC, C*9), b (OC or null);
  // x is copied into x_copy on the way.
  void forward(const ConvProblem& p, const float* x, const float* w, const float* b, float* y, float* x_copy);
  // As ConvWorkspace::backward: dw (OC, C*9), db (OC), dx (N, C, H, W), each overwritten; null skips.
  void backward(const ConvProblem& p, const float* x, const float* w, const float* dy, float* dw, float* db, float* dx);

 private:
  // Images per block of the weight gradient's partial sums. Blocks, not threads, own the partial
  // sums, and they are added in block order: the same bytes on any number of threads.
  static constexpr long kBlock = 4;
  // One chunk's scratch (a run of images or blocks one thread handles), sized from the problem
  // alone so that forward and backward reuse the same buffers (no allocation once shapes are stable).
  struct Chunk {
    Tensor padded;  // an image (or dy) zero-padded to whole tiles
    Tensor rows;    // 4 rows of B^T d, the input transform's first half
    Tensor v;       // V (16, channels, tiles)
    Tensor m;       // M (16, channels, tiles), or D for dW
  };
  void prepare(const ConvProblem& p);
  // out (Cout, OH, OW) = the 3x3 correlation of in (Cin, H, W), zero-padded by (PH, PW), with the
  // transformed kernels u (16, Cout, Cin), plus bias (Cout, or null).
  void image(const float* in, long Cin, long H, long W, long PH, long PW, const float* u, long Cout,
             const float* bias, long OH, long OW, float* out, Chunk& ch);

  std::vector<Chunk> chunks_;
  Tensor u_;       // the transformed kernels (16, OC, C), or for dx (16, C, OC) of the flipped kernels
  Tensor dy_pad_;  // per chunk: dy zero-padded to whole tiles (chunks, OC, 2*TH, 2*TW)
  Tensor parts_;   // per block: the weight gradient in the transformed domain (blocks, 16, OC, C), then db (OC)
};

}  // namespace minicnn
