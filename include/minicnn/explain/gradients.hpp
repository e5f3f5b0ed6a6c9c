#pragma once
// Gradients for explanations: of a class score or of one channel's activation, with respect to the
// input and to any layer's output, through every layer (residual blocks and nested Sequentials
// too). They are the backward passes training uses, run in eval mode: parameters do not change,
// but their .grad buffers are overwritten, as by any backward pass.
#include <cstddef>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"

namespace minicnn::explain {

// The layer at a dotted path ("3", "4.body.0"); throws std::invalid_argument naming the path and
// the model's top-level layers when there is none.
Layer& layer_at(Sequential& model, const std::string& path);
// The paths of every Conv2d in the model, depth first ("0", "3", "4.body.0", ...).
std::vector<std::string> conv_layer_paths(Sequential& model);

// Watches the layer at `path` while it lives: keeps a copy of its output from every forward pass
// and of the gradient arriving at that output in every backward pass. With inject(), the backward
// pass below the layer starts from the given gradient instead (the one arriving from above is
// ignored), which is how a channel's activation is differentiated.
class LayerTap final : public LayerHook {
 public:
  LayerTap(Sequential& model, const std::string& path);
  ~LayerTap() override;
  LayerTap(const LayerTap&) = delete;
  LayerTap& operator=(const LayerTap&) = delete;

  const std::string& path() const { return path_; }
  Layer& layer() { return layer_; }
  const Layer& layer() const { return layer_; }
  const Tensor& output() const { return output_; }  // A, from the last forward
  const Tensor& grad() const { return grad_; }      // dL/dA, from the last backward (after any inject)
  // The gradient to send down instead of what arrives (its shape must be A's); nullptr: stop injecting.
  void inject(const Tensor* g) { inject_ = g; }

  void after_forward(Layer& layer, const Tensor& y) override;
  const Tensor* before_backward(Layer& layer, const Tensor& dy) override;

 private:
  std::string path_;
  Layer& layer_;
  LayerHook* previous_;
  Tensor output_, grad_;
  const Tensor* inject_ = nullptr;
};

// Eval mode, and dx computed for the model's input, while it lives; both restored after.
class ExplainMode {
 public:
  explicit ExplainMode(Sequential& model);
  ~ExplainMode();
  ExplainMode(const ExplainMode&) = delete;
  ExplainMode& operator=(const ExplainMode&) = delete;

 private:
  Sequential& model_;
  TrainingModeGuard mode_;
  bool needed_input_grad_;
};

// For each input n of x (N, C, H, W) or (N, F): z_n = the logit of class classes[n] (before softmax). Runs
// forward and backward once in eval mode and returns the logits (N, K) and dz_n/dx_n for every
// image (images do not interact in eval mode). Taps attached to the model hold each layer's A and
// dz/dA afterwards.
struct ClassGradients {
  Tensor logits;      // (N, K)
  Tensor input_grad;  // (N, C, H, W)
};
ClassGradients class_gradients(Sequential& model, const Tensor& x, const std::vector<std::size_t>& classes);

// How a channel's map becomes one number.
enum class Reduce {
  max,   // the largest value over positions (the first one in row-major order): what features ranks by
  mean,  // the mean over positions
};
// For each image n: a_n = reduce(A[n, channels[n]]) with A the output of tap's layer. Runs forward
// and backward once in eval mode; returns the activations (N) and da_n/dx_n (N, C, H, W).
struct ChannelGradients {
  std::vector<float> activation;
  Tensor input_grad;
};
ChannelGradients channel_gradients(Sequential& model, LayerTap& tap, const Tensor& x, const std::vector<std::size_t>& channels,
                                   Reduce reduce = Reduce::max);

// softmax over the last axis of logits (N, K), computed stably.
Tensor softmax(const Tensor& logits);

}  // namespace minicnn::explain
