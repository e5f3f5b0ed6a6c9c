#include "minicnn/layers/concat.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "minicnn/core/registry.hpp"

namespace minicnn {

bool concat_compatible(const Shape& a, const Shape& b) {
  return a.size() == b.size() && !a.empty() && std::equal(a.begin() + 1, a.end(), b.begin() + 1);
}

Concat::Concat(std::vector<std::unique_ptr<Sequential>> branches) : branches_(std::move(branches)) {
  if (branches_.size() < 2) throw std::invalid_argument("Concat: needs at least two branches");
  for (std::size_t i = 0; i < branches_.size(); ++i)
    if (!branches_[i] || branches_[i]->size() == 0)
      throw std::invalid_argument("Concat: branch " + std::to_string(i) + " needs at least one layer");
  channels_.assign(branches_.size(), 0);
  outs_.assign(branches_.size(), nullptr);
  dys_.resize(branches_.size());
  set_training(training_);
  set_needs_input_grad(needs_input_grad_);
}

template <class S>
void Concat::check_joinable(const S& s0, const S& si, std::size_t i, const S& input) const {
  if (si.size() < 2 || si.size() != s0.size() || si[0] != s0[0] || !std::equal(si.begin() + 2, si.end(), s0.begin() + 2))
    throw std::invalid_argument("Concat: branch 0 gives " + shape_str(s0) + " and branch " + std::to_string(i) + " " +
                                shape_str(si) + " for input " + shape_str(input) +
                                "; they must match in every dimension but the channels (dimension 1)");
}

// The branches' output shapes joined along dimension 1; forward's errors, branch named.
Shape Concat::output_shape(const Shape& in) {
  Shape first, out;
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    Shape s;
    try {
      s = branches_[i]->output_shape(in);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("Concat branch " + std::to_string(i) + ": " + e.what());
    }
    if (i == 0) first = out = s;
    check_joinable(first, s, i, in);
    if (i > 0) out[1] += s[1];
  }
  return out;
}

// y[n, offset_b + c, ...] = branch_b(x)[n, c, ...], offset_b = C_0 + ... + C_{b-1}.
const Tensor& Concat::forward(const Tensor& x) {
  // Each output stays valid until that branch runs again, so all can be read after the loop.
  std::vector<const Tensor*>& outs = outs_;
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    try {
      outs[i] = &forward_child(*branches_[i], x);
    } catch (const std::invalid_argument& e) {  // say which branch
      throw std::invalid_argument("Concat branch " + std::to_string(i) + ": " + e.what());
    }
    check_joinable(outs[0]->shape(), outs[i]->shape(), i, x.shape());
  }
  Tensor::shape_type shape = outs[0]->shape();  // inline storage: no allocation
  outer_ = shape[0];
  inner_ = 1;
  for (std::size_t d = 2; d < shape.size(); ++d) inner_ *= shape[d];
  shape[1] = 0;
  for (std::size_t i = 0; i < branches_.size(); ++i) shape[1] += channels_[i] = outs[i]->shape()[1];
  ensure_shape(y_, shape);
  float* out = y_.data();
  for (std::size_t n = 0; n < outer_; ++n)
    for (std::size_t i = 0; i < branches_.size(); ++i) {
      const std::size_t block = channels_[i] * inner_;
      std::memcpy(out, outs[i]->data() + n * block, block * sizeof(float));
      out += block;
    }
  return y_;
}

// y is the branches' outputs side by side, so dy splits the same way: dy_b = dy[:, offset_b : offset_b + C_b].
// x feeds every branch, so the multivariable chain rule adds their input gradients:
//   dx = sum_b J_b(x)^T dy_b
// Each branch's backward also overwrites the gradients of its own parameters.
const Tensor& Concat::backward(const Tensor& dy) {
  if (y_.dimension() == 0) throw std::logic_error("Concat: backward called before forward");
  expect_same_shape(dy, y_.shape(), "Concat::backward dy");
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    Tensor::shape_type s = y_.shape();
    s[1] = channels_[i];
    ensure_shape(dys_[i], s);
  }
  const float* in = dy.data();
  for (std::size_t n = 0; n < outer_; ++n)
    for (std::size_t i = 0; i < branches_.size(); ++i) {
      const std::size_t block = channels_[i] * inner_;
      std::memcpy(dys_[i].data() + n * block, in, block * sizeof(float));
      in += block;
    }
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    const Tensor& d = backward_child(*branches_[i], dys_[i]);
    if (!needs_input_grad_) continue;  // rule 6: nobody reads dx, and the branches skipped theirs
    if (i == 0) {
      ensure_shape(dx_, d.shape());
      std::copy(d.data(), d.data() + d.size(), dx_.data());
      continue;
    }
    const float* pd = d.data();
    float* out = dx_.data();
    for (std::size_t k = 0; k < dx_.size(); ++k) out[k] += pd[k];
  }
  if (!needs_input_grad_) ensure_shape(dx_, {0});
  return dx_;
}

NamedLayers Concat::children() {
  NamedLayers c;
  for (std::size_t i = 0; i < branches_.size(); ++i) c.emplace_back(std::to_string(i), branches_[i].get());
  return c;
}

NamedParameters Concat::parameters() { return prefixed_parameters(children()); }
NamedBuffers Concat::buffers() { return prefixed_buffers(children()); }

std::vector<Shape> Concat::children_input_shapes(const Shape& input_shape) {
  return std::vector<Shape>(branches_.size(), input_shape);
}

std::string Concat::name() const {
  std::vector<std::pair<std::string, const Layer*>> c;
  for (std::size_t i = 0; i < branches_.size(); ++i) c.emplace_back(std::to_string(i), branches_[i].get());
  return composite_name("Concat", c);
}

std::string Concat::spec() const {
  std::string s = "cat";
  for (const auto& b : branches_) s += "[" + b->spec() + "]";
  return s;
}

void Concat::set_training(bool on) {
  training_ = on;
  for (auto& b : branches_) b->set_training(on);
}

void Concat::set_needs_input_grad(bool on) {
  needs_input_grad_ = on;
  for (auto& b : branches_) b->set_needs_input_grad(on);
}

MINICNN_REGISTER_LAYER(Concat, "cat", "cat[BRANCH 0 LAYERS][BRANCH 1 LAYERS]..., two or more branches joined by channel",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(0, 0);
  a.expect_blocks(2, kSpecMaxLayers, kSpecMaxLayers);
  if (a.has_round_block()) a.fail("'cat' takes only [...] blocks, one per branch, not a (...) block");
  std::vector<std::unique_ptr<Sequential>> branches;
  Shape first;
  for (std::size_t i = 0; i < a.num_blocks(); ++i) {
    branches.push_back(a.build_block(i, in));
    const Shape s = sample_output_shape(*branches.back(), in);
    if (i == 0) first = s;
    if (!concat_compatible(first, s))
      a.fail("branch 0 gives " + shape_str(first) + " and branch " + std::to_string(i) + " " + shape_str(s) +
             " for input " + shape_str(in) + "; they must match in every size but the channels (the first)");
  }
  return std::make_unique<Concat>(std::move(branches));
});

void Concat::release_scratch() {
  Layer::release_scratch();  // the branches'
  outs_.assign(outs_.size(), nullptr);
  std::vector<Tensor>(dys_.size()).swap(dys_);
  release(y_);
  release(dx_);
}

bool Concat::has_trainable_parameters() {
  for (auto& b : branches_)
    if (b->has_trainable_parameters()) return true;
  return false;
}

}  // namespace minicnn
