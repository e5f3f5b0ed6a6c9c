#pragma once
#include <memory>

#include "minicnn/core/sequential.hpp"
#include "minicnn/layers/relu.hpp"

namespace minicnn {

// A residual block (He et al., 2016, "Deep Residual Learning for Image Recognition"):
//
//     y = post(body(x) + shortcut(x))
//
// body is a Sequential; shortcut is the identity when absent, else a Sequential (typically a 1x1
// Conv2d with stride 2 and a BatchNorm2d, for a body that changes the shape); post is nothing or
// a ReLU. Both branches must give the same shape. Parameters and buffers are named as PyTorch
// names a module with .body and .shortcut submodules ("body.0.weight", "shortcut.1.running_mean";
// inside a model "3.body.0.weight"), so a checkpoint loads into that module (README, "Residual
// models in PyTorch"). Spec:
//
//     res[conv 16 3 pad=1, batchnorm, relu, conv 16 3 pad=1, batchnorm] post=relu
//     res[conv 32 3 stride=2 pad=1, batchnorm, relu, conv 32 3 pad=1, batchnorm](conv 32 1 stride=2, batchnorm) post=relu
class Residual final : public Layer {
 public:
  enum class Post { none, relu };
  explicit Residual(std::unique_ptr<Sequential> body, std::unique_ptr<Sequential> shortcut = nullptr,
                    Post post = Post::none);

  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  NamedParameters parameters() override;
  bool has_trainable_parameters() override;
  NamedBuffers buffers() override;
  NamedLayers children() override;  // "body", then "shortcut" and "post" when present
  std::vector<Shape> children_input_shapes(const Shape& input_shape) override;
  std::string name() const override;
  std::string spec() const override;
  void set_training(bool on) override;
  // Both branches read x, so both must pass dx back when the block's own dx is needed.
  void set_needs_input_grad(bool on) override;

  Sequential& body() { return *body_; }
  Sequential* shortcut() { return shortcut_.get(); }  // null: the identity
  Post post() const { return post_ ? Post::relu : Post::none; }

 private:
  // Throws forward's error for a body and a shortcut whose outputs differ.
  template <class S>
  [[noreturn]] void refuse_sum(const S& body, const S& shortcut, const S& input) const;
  std::unique_ptr<Sequential> body_, shortcut_;
  std::unique_ptr<ReLU> post_;  // null: none
  Tensor sum_;                  // body(x) + shortcut(x), post's input
  Tensor dx_;
};

}  // namespace minicnn
