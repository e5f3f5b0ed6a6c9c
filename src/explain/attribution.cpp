#include "minicnn/explain/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/explain/gradients.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn::explain {

namespace {

void expect_one_image(const Tensor& x, const char* who) {
  if (x.dimension() != 4 || x.shape(0) != 1)
    throw std::invalid_argument(std::string(who) + ": expected one image (1, C, H, W), got " + shape_str(x.shape()));
}

// Grad-CAM weighs maps: a layer whose output is a vector (Linear, Flatten, global pooling) has none.
void expect_maps(const LayerTap& tap) {
  const Tensor& A = tap.output();
  if (A.dimension() != 4)
    throw std::invalid_argument("Grad-CAM: layer " + tap.path() + " (" + short_name(tap.layer()) + ") gives " +
                                shape_str(std::vector<std::size_t>(A.shape().begin() + 1, A.shape().end())) +
                                ", not maps (C, H, W); choose a convolution or pooling layer");
}

}  // namespace

Tensor saliency(Sequential& model, const Tensor& x, std::size_t cls) {
  expect_one_image(x, "saliency");
  const ClassGradients g = class_gradients(model, x, {cls});
  const std::size_t C = x.shape(1), H = x.shape(2), W = x.shape(3);
  Tensor map = xt::zeros<float>({H, W});
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t i = 0; i < H * W; ++i) map.data()[i] = std::max(map.data()[i], std::abs(g.input_grad.data()[c * H * W + i]));
  return map;
}

std::string default_gradcam_layer(Sequential& model, const Shape& input_shape) {
  Shape shape = input_shape;
  std::string last;
  TrainingModeGuard eval(model, false);
  for (std::size_t i = 0; i < model.size(); ++i) {
    shape = sample_output_shape(model[i], shape);
    if (shape.size() == 3) last = std::to_string(i);
  }
  if (last.empty()) throw std::invalid_argument("Grad-CAM: no layer of this model gives maps (C, H, W)");
  return last;
}

void check_gradcam_layer(Sequential& model, const std::string& layer, const Shape& input_shape) {
  LayerTap tap(model, layer);
  {  // one forward of a zero image, which the tap watches (output_shape would compute nothing)
    const TrainingModeGuard eval(model, false);
    Shape batch{1};
    batch.insert(batch.end(), input_shape.begin(), input_shape.end());
    model.forward(xt::zeros<float>(batch));
  }
  model.release_scratch();
  expect_maps(tap);
}

Tensor gradcam(Sequential& model, const Tensor& x, std::size_t cls, const std::string& layer) {
  expect_one_image(x, "Grad-CAM");
  LayerTap tap(model, layer);
  class_gradients(model, x, {cls});
  expect_maps(tap);
  const Tensor &A = tap.output(), &dA = tap.grad();
  const std::size_t K = A.shape(1), H = A.shape(2), W = A.shape(3), plane = H * W;
  Tensor map = xt::zeros<float>({H, W});
  std::vector<double> sum(plane, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    double alpha = 0;
    for (std::size_t i = 0; i < plane; ++i) alpha += dA.data()[k * plane + i];
    alpha /= static_cast<double>(plane);
    for (std::size_t i = 0; i < plane; ++i) sum[i] += alpha * A.data()[k * plane + i];
  }
  for (std::size_t i = 0; i < plane; ++i) map.data()[i] = static_cast<float>(std::max(0.0, sum[i]));
  return map;
}

OcclusionOptions occlusion_defaults(OcclusionOptions o, const Shape& s) {
  const std::size_t side = std::min(s.at(1), s.at(2));
  if (!o.patch) o.patch = std::max<std::size_t>(3, (side + 2) / 4);
  if (!o.stride) o.stride = side <= 32 ? 1 : std::max<std::size_t>(1, side / 28);
  return o;
}

Tensor occlusion(Sequential& model, const Tensor& x, std::size_t cls, const OcclusionOptions& options) {
  expect_one_image(x, "occlusion");
  const std::size_t C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const OcclusionOptions o = occlusion_defaults(options, {C, H, W});
  if (o.patch > std::max(H, W)) throw std::invalid_argument("occlusion: a patch of " + std::to_string(o.patch) + " is larger than the picture");
  TrainingModeGuard eval(model, false);
  const Tensor p0 = softmax(model.forward(x));
  if (cls >= p0.shape(1))
    throw std::invalid_argument("class " + std::to_string(cls) + " is out of range: the model has " + std::to_string(p0.shape(1)) +
                                " classes (0-" + std::to_string(p0.shape(1) - 1) + ")");
  const float base = p0(0, cls);
  const std::size_t GH = (H - 1) / o.stride + 1, GW = (W - 1) / o.stride + 1, n = GH * GW;
  const std::size_t batch = o.batch_size ? o.batch_size : eval_batch_size(model, {C, H, W});
  std::vector<float> drop(n);
  Tensor xs;
  for (std::size_t first = 0; first < n; first += batch) {
    const std::size_t B = std::min(batch, n - first);
    ensure_shape(xs, {B, C, H, W});
    for (std::size_t b = 0; b < B; ++b) {
      float* img = xs.data() + b * C * H * W;
      std::copy(x.data(), x.data() + C * H * W, img);
      const long cy = static_cast<long>((first + b) / GW * o.stride), cx = static_cast<long>((first + b) % GW * o.stride);
      const long half = static_cast<long>(o.patch) / 2;
      for (std::size_t c = 0; c < C; ++c)
        for (long y = std::max(0L, cy - half); y < std::min<long>(H, cy - half + static_cast<long>(o.patch)); ++y)
          for (long xx = std::max(0L, cx - half); xx < std::min<long>(W, cx - half + static_cast<long>(o.patch)); ++xx)
            img[(c * H + y) * W + xx] = 0.f;
    }
    const Tensor p = softmax(model.forward(xs));
    for (std::size_t b = 0; b < B; ++b) drop[first + b] = base - p(b, cls);
  }
  Tensor map = xt::zeros<float>({H, W});
  for (std::size_t y = 0; y < H; ++y)
    for (std::size_t xx = 0; xx < W; ++xx) {
      const std::size_t gy = std::min(GH - 1, (y + o.stride / 2) / o.stride), gx = std::min(GW - 1, (xx + o.stride / 2) / o.stride);
      map(y, xx) = drop[gy * GW + gx];
    }
  return map;
}

}  // namespace minicnn::explain
