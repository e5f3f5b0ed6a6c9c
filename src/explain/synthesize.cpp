#include "minicnn/explain/synthesize.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/core/init.hpp"
#include "minicnn/explain/gradients.hpp"

namespace minicnn::explain {

void input_range(const Normalization& norm, std::size_t channels, std::vector<float>& low, std::vector<float>& high) {
  low.assign(channels, 0.f);
  high.assign(channels, 1.f);
  if (norm.empty()) return;
  for (std::size_t c = 0; c < channels; ++c) {
    const float m = norm.mean.at(norm.mean.size() == 1 ? 0 : c), s = norm.std.at(norm.std.size() == 1 ? 0 : c);
    low[c] = (0.f - m) / s;
    high[c] = (1.f - m) / s;
  }
}

namespace {

// dst = src moved by (dy, dx) pixels, wrapping around the edges, for every plane of (N, C, H, W).
void roll(const Tensor& src, Tensor& dst, long dy, long dx) {
  ensure_shape(dst, src.shape());
  const long H = static_cast<long>(src.shape(2)), W = static_cast<long>(src.shape(3));
  const std::size_t planes = src.shape(0) * src.shape(1);
  for (std::size_t p = 0; p < planes; ++p)
    for (long y = 0; y < H; ++y)
      for (long x = 0; x < W; ++x)
        dst.data()[(p * H + ((y + dy) % H + H) % H) * W + ((x + dx) % W + W) % W] = src.data()[(p * H + y) * W + x];
}

// A 3x3 blur with weights (1, 2, 1) / 4 per axis, the edges repeated.
void blur(Tensor& t) {
  const std::size_t H = t.shape(2), W = t.shape(3), planes = t.shape(0) * t.shape(1);
  std::vector<float> tmp(H * W);
  for (std::size_t p = 0; p < planes; ++p) {
    float* a = t.data() + p * H * W;
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < W; ++x)
        tmp[y * W + x] = (a[y * W + (x ? x - 1 : 0)] + 2 * a[y * W + x] + a[y * W + std::min(x + 1, W - 1)]) / 4;
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < W; ++x)
        a[y * W + x] = (tmp[(y ? y - 1 : 0) * W + x] + 2 * tmp[y * W + x] + tmp[std::min(y + 1, H - 1) * W + x]) / 4;
  }
}

}  // namespace

Tensor synthesize(Sequential& model, const Shape& input_shape, const std::string& layer, const std::vector<std::size_t>& channels,
                  const SynthesisOptions& o) {
  if (input_shape.size() != 3) throw std::invalid_argument("synthesize: expected an input shape (C, H, W), got " + shape_str(input_shape));
  if (channels.empty()) throw std::invalid_argument("synthesize: no channel asked for");
  const std::size_t N = channels.size(), C = input_shape[0], HW = input_shape[1] * input_shape[2];
  std::vector<float> low = o.low, high = o.high;
  if (low.empty()) low.assign(C, 0.f), high.assign(C, 1.f);
  if (low.size() != C || high.size() != C) throw std::invalid_argument("synthesize: the input range needs one value per input channel");
  LayerTap tap(model, layer);
  Rng rng(o.seed);
  Tensor x = Tensor::from_shape({N, C, input_shape[1], input_shape[2]}), moved, back;
  // Nearly flat: the middle of the range, plus a little noise. (Starting at the data's mean, a dark
  // page for digits, leaves most ReLUs of the first layers off, and their gradient is 0.)
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < HW; ++i)
        x.data()[(n * C + c) * HW + i] = (low[c] + high[c]) / 2 + rng.uniform(-0.05f, 0.05f) * (high[c] - low[c]);
  const long j = static_cast<long>(o.jitter);
  for (std::size_t step = 0; step < o.steps; ++step) {
    const long dy = j ? static_cast<long>(rng.below(2 * o.jitter + 1)) - j : 0;
    const long dx = j ? static_cast<long>(rng.below(2 * o.jitter + 1)) - j : 0;
    roll(x, moved, dy, dx);
    const ChannelGradients g = channel_gradients(model, tap, moved, channels, Reduce::max);
    roll(g.input_grad, back, -dy, -dx);
    for (std::size_t n = 0; n < N; ++n) {
      float* px = x.data() + n * C * HW;
      const float* pg = back.data() + n * C * HW;
      float largest = 0;
      for (std::size_t i = 0; i < C * HW; ++i) largest = std::max(largest, std::abs(pg[i]));
      if (largest > 0)  // the steepest value moves by `step` of its range; the others in proportion
        for (std::size_t c = 0; c < C; ++c)
          for (std::size_t i = 0; i < HW; ++i) px[c * HW + i] += o.step * (high[c] - low[c]) * pg[c * HW + i] / largest;
      for (std::size_t i = 0; i < C * HW; ++i) px[i] *= 1.f - o.decay;
    }
    if (o.blur_every && (step + 1) % o.blur_every == 0 && step + 1 < o.steps) blur(x);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < HW; ++i) {
          float& v = x.data()[(n * C + c) * HW + i];
          v = std::clamp(v, low[c], high[c]);
        }
    if (o.progress) o.progress(step + 1, o.steps);
  }
  return x;
}

}  // namespace minicnn::explain
