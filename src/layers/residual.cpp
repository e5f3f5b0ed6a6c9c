#include "minicnn/layers/residual.hpp"
#include "minicnn/core/registry.hpp"

#include <stdexcept>

namespace minicnn {

namespace {
const char* const kIdentityHint =
    " (the shortcut is the identity: give one in round brackets that makes the shapes match, "
    "such as res[...](conv OUT 1 stride=S, batchnorm))";
}  // namespace

Residual::Residual(std::unique_ptr<Sequential> body, std::unique_ptr<Sequential> shortcut, Post post)
    : body_(std::move(body)), shortcut_(std::move(shortcut)) {
  if (!body_ || body_->size() == 0) throw std::invalid_argument("Residual: the body needs at least one layer");
  if (shortcut_ && shortcut_->size() == 0)
    throw std::invalid_argument("Residual: a shortcut needs at least one layer (leave it out for the identity)");
  if (post == Post::relu) post_ = std::make_unique<ReLU>();
  set_training(training_);
  set_needs_input_grad(needs_input_grad_);
}

template <class S>
void Residual::refuse_sum(const S& body, const S& shortcut, const S& input) const {
  throw std::invalid_argument("Residual: the body gives " + shape_str(body) + " and the shortcut " + shape_str(shortcut) +
                              " for input " + shape_str(input) + "; they must match" + (shortcut_ ? "" : kIdentityHint));
}

// The body's output shape, which the shortcut's must equal; forward's errors, branch named.
Shape Residual::output_shape(const Shape& in) {
  Shape b, s = in;
  try {
    b = body_->output_shape(in);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("Residual body: ") + e.what());
  }
  try {
    if (shortcut_) s = shortcut_->output_shape(in);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("Residual shortcut: ") + e.what());
  }
  if (b != s) refuse_sum(b, s, in);
  return post_ ? post_->output_shape(b) : b;
}

// s = body(x) + shortcut(x) elementwise, with shortcut(x) = x for the identity; y = post(s).
const Tensor& Residual::forward(const Tensor& x) {
  const Tensor* b = nullptr;
  const Tensor* s = &x;
  try {
    b = &forward_child(*body_, x);
  } catch (const std::invalid_argument& e) {  // say which branch
    throw std::invalid_argument(std::string("Residual body: ") + e.what());
  }
  try {
    if (shortcut_) s = &forward_child(*shortcut_, x);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("Residual shortcut: ") + e.what());
  }
  if (!std::equal(b->shape().begin(), b->shape().end(), s->shape().begin(), s->shape().end()))
    refuse_sum(b->shape(), s->shape(), x.shape());
  ensure_shape(sum_, b->shape());
  const float *pb = b->data(), *ps = s->data();
  float* out = sum_.data();
  for (std::size_t i = 0; i < sum_.size(); ++i) out[i] = pb[i] + ps[i];
  return post_ ? forward_child(*post_, sum_) : sum_;
}

// With s = body(x) + shortcut(x) and y = post(s), given dy (shaped like y):
//   ds = post'(s) * dy                    (ds = dy without post; for ReLU, dy where s > 0)
//   dx = J_body(x)^T ds + J_shortcut(x)^T ds
// x feeds both branches, so the multivariable chain rule adds their input gradients. The identity
// shortcut has J = I and passes ds through unchanged. Each branch's backward also overwrites the
// gradients of its own parameters.
const Tensor& Residual::backward(const Tensor& dy) {
  if (sum_.dimension() == 0) throw std::logic_error("Residual: backward called before forward");
  expect_same_shape(dy, sum_.shape(), "Residual::backward dy");
  const Tensor& ds = post_ ? backward_child(*post_, dy) : dy;
  const Tensor& db = backward_child(*body_, ds);
  const Tensor& dsc = shortcut_ ? backward_child(*shortcut_, ds) : ds;
  if (!needs_input_grad_) {  // rule 6: nobody reads dx, and the branches skipped theirs
    ensure_shape(dx_, {0});
    return dx_;
  }
  ensure_shape(dx_, db.shape());
  const float *pb = db.data(), *ps = dsc.data();
  float* out = dx_.data();
  for (std::size_t i = 0; i < dx_.size(); ++i) out[i] = pb[i] + ps[i];
  return dx_;
}

NamedLayers Residual::children() {
  NamedLayers c{{"body", body_.get()}};
  if (shortcut_) c.emplace_back("shortcut", shortcut_.get());
  if (post_) c.emplace_back("post", post_.get());
  return c;
}

NamedParameters Residual::parameters() { return prefixed_parameters(children()); }
NamedBuffers Residual::buffers() { return prefixed_buffers(children()); }

std::vector<Shape> Residual::children_input_shapes(const Shape& input_shape) {
  std::vector<Shape> in{input_shape};          // body
  if (shortcut_) in.push_back(input_shape);    // shortcut
  if (post_) in.push_back(sample_output_shape(*body_, input_shape));  // post gets the sum
  return in;
}

std::string Residual::name() const {
  std::vector<std::pair<std::string, const Layer*>> c{{"body", body_.get()}};
  if (shortcut_) c.emplace_back("shortcut", shortcut_.get());
  if (post_) c.emplace_back("post", post_.get());
  return composite_name("Residual", c);
}

std::string Residual::spec() const {
  std::string s = "res[" + body_->spec() + "]";
  if (shortcut_) s += "(" + shortcut_->spec() + ")";
  if (post_) s += " post=relu";
  return s;
}

void Residual::set_training(bool on) {
  training_ = on;
  body_->set_training(on);
  if (shortcut_) shortcut_->set_training(on);
  if (post_) post_->set_training(on);
}

void Residual::set_needs_input_grad(bool on) {
  needs_input_grad_ = on;
  body_->set_needs_input_grad(on);
  if (shortcut_) shortcut_->set_needs_input_grad(on);
}

MINICNN_REGISTER_LAYER(Residual, "res", "res[BODY LAYERS](SHORTCUT LAYERS) [post=none|relu], no (...) for the identity",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(0, 0);
  a.expect_blocks(1, 2);
  const bool relu = a.word("post", {"none", "relu"}, "none") == "relu";
  auto body = a.build_block(0, in);
  auto shortcut = a.num_blocks() == 2 ? a.build_block(1, in) : nullptr;
  const Shape b = sample_output_shape(*body, in), s = shortcut ? sample_output_shape(*shortcut, in) : in;
  if (b != s)
    a.fail("the body gives " + shape_str(b) + " and the shortcut " + shape_str(s) + " for input " + shape_str(in) +
           "; they must match" + (shortcut ? "" : kIdentityHint));
  return std::make_unique<Residual>(std::move(body), std::move(shortcut), relu ? Residual::Post::relu : Residual::Post::none);
});

void Residual::release_scratch() {
  Layer::release_scratch();  // body, shortcut and post
  release(sum_);
  release(dx_);
}

bool Residual::has_trainable_parameters() {
  return body_->has_trainable_parameters() || (shortcut_ && shortcut_->has_trainable_parameters());
}

}  // namespace minicnn
