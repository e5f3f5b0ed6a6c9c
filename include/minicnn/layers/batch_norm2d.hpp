#pragma once
#include <functional>
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// Batch normalisation over (N, H, W) for each channel of NCHW input, as PyTorch's nn.BatchNorm2d:
//   training: y = weight * (x - mean_B) / sqrt(var_B + eps) + bias, with the batch's mean and
//             (biased) variance; running_mean/var move towards them by `momentum` (the running
//             variance uses the unbiased batch variance, as PyTorch does).
//   eval:     the same with running_mean and running_var.
// Parameters "weight" (C, starts at 1) and "bias" (C, starts at 0); buffers "running_mean",
// "running_var" and "num_batches_tracked", saved in checkpoints under PyTorch's names.
//
// Data-parallel training gives every process a slice of the batch. By default each normalises its
// slice with that slice's statistics (as PyTorch's DistributedDataParallel does without
// SyncBatchNorm). set_sync makes the statistics the whole batch's, as nn.SyncBatchNorm does: the
// per-channel sums of the forward pass (sum x, sum x^2, count) and of the backward pass (sum dy,
// sum dy * xhat) go through sum_across, which adds them up over the processes. The gradients of
// weight and bias, made of those sums, are then the whole batch's on every process.
class BatchNorm2d final : public Layer {
 public:
  // Replaces values[0 .. n) by their sums over every process of the data-parallel run.
  using SumAcross = std::function<void(double* values, std::size_t n)>;

  explicit BatchNorm2d(std::size_t num_features, float eps = 1e-5f, float momentum = 0.1f);
  const Tensor& forward(const Tensor& x) override;
  // forward followed by ReLU, in one pass over the output: max(0, BatchNorm(x)). The backward that
  // follows takes dL/d(that output) and applies ReLU's mask itself.
  const Tensor& forward_relu(const Tensor& x);
  // forward_relu when next is a ReLU (a Sequential asks; see Layer::forward_with_next).
  const Tensor* forward_with_next(Layer& next, const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  NamedParameters parameters() override;
  bool has_trainable_parameters() override;
  NamedBuffers buffers() override;
  std::string name() const override;
  std::string spec() const override;
  std::size_t num_features() const { return C_; }
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  // Batch statistics over every process (SyncBatchNorm); an empty function: this process's only.
  void set_sync(SumAcross sum_across) { sync_ = std::move(sum_across); }
  bool synced() const { return static_cast<bool>(sync_); }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }  // PyTorch's sense: running = (1 - m) running + m batch

 private:
  // Throws forward's error for an input shape it refuses (a tensor's shape, or a Shape).
  template <class S>
  void check_input(const S& input_shape) const;
  template <bool Relu>
  const Tensor& normalise(const Tensor& x);  // forward (Relu = false) or forward_relu
  std::size_t C_;
  float eps_, momentum_;
  Parameter weight_, bias_;
  Tensor running_mean_, running_var_, num_batches_tracked_;
  Tensor xhat_;             // normalised input of the last forward
  Tensor inv_std_;          // (C): 1 / sqrt(var + eps) used by the last forward
  bool used_batch_stats_ = false;  // training-mode forward (batch statistics) vs eval
  bool relu_fused_ = false;        // the last forward was forward_relu
  SumAcross sync_;
  std::vector<double> sums_;  // per channel: forward sum x, sum x^2; backward sum dy, sum dy*xhat; then the count
  double count_ = 0;          // values per channel in the last training forward (over every process when synced)
  Tensor y_, dx_;
};

}  // namespace minicnn
