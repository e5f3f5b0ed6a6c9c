#pragma once
#include <memory>
#include <vector>

#include "minicnn/core/sequential.hpp"

namespace minicnn {

// Branches side by side, joined by channel (torch.cat(dim=1)): the block of Inception modules
// (Szegedy et al., 2015, "Going Deeper with Convolutions") and SqueezeNet's Fire modules
// (Iandola et al., 2016):
//
//     y = cat(branch_0(x), branch_1(x), ..., dim=1)
//
// Every branch is a Sequential that reads the same x; their outputs must agree in every dimension
// but the channels (dimension 1), and y has the sum of their channels: (N, C0+C1+.., H, W), or
// (N, F0+F1+..) for flat outputs. The branches are children "0", "1", ..., so parameters read
// "1.0.weight" ("3.1.0.weight" inside a model), as a PyTorch module that is an nn.ModuleList of
// nn.Sequential branches names them (README, "Concat blocks in PyTorch"). Spec: one square-bracket
// block per branch, at least two:
//
//     cat[conv 64 1, relu][conv 64 3 pad=1, relu]                       (a Fire module's expand)
//     cat[conv 8 1][conv 4 1, relu, conv 8 3 pad=1][conv 4 1, relu, conv 8 5 pad=2]      (an Inception module's)
class Concat final : public Layer {
 public:
  explicit Concat(std::vector<std::unique_ptr<Sequential>> branches);

  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  NamedParameters parameters() override;
  bool has_trainable_parameters() override;
  NamedBuffers buffers() override;
  NamedLayers children() override;  // "0", "1", ...: the branches in order
  std::vector<Shape> children_input_shapes(const Shape& input_shape) override;
  std::string name() const override;
  std::string spec() const override;
  void set_training(bool on) override;
  // Every branch reads x, so every branch must pass dx back when the block's own dx is needed.
  void set_needs_input_grad(bool on) override;

  std::size_t size() const { return branches_.size(); }
  Sequential& branch(std::size_t i) { return *branches_.at(i); }

 private:
  // Throws forward's error unless branch i's output si can join branch 0's s0.
  template <class S>
  void check_joinable(const S& s0, const S& si, std::size_t i, const S& input) const;
  std::vector<std::unique_ptr<Sequential>> branches_;
  std::vector<std::size_t> channels_;  // each branch's output channels in the last forward
  std::vector<const Tensor*> outs_;    // each branch's output in the forward being run
  std::vector<Tensor> dys_;            // each branch's slice of dy
  Tensor y_, dx_;
  std::size_t outer_ = 0, inner_ = 0;  // N, and the size of one channel (H * W; 1 for flat outputs)
};

// Whether per-sample branch outputs a and b can be joined by channel: the same rank, and the same
// sizes after the channels. Shared by the layer, its spec factory and the ONNX importer.
bool concat_compatible(const Shape& a, const Shape& b);

}  // namespace minicnn
