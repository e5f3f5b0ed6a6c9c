#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
void build_small(Sequential& m) {
  m.add<Conv2d>(1, 2, 3, 1, 1);
  m.add<ReLU>();
  m.add<MaxPool2d>(2);
  m.add<Flatten>();
  m.add<Linear>(2 * 3 * 2, 3);
}
}  // namespace

TEST_CASE("Sequential backward matches finite differences through every layer") {
  manual_seed(1);
  Sequential m;
  m.add<Conv2d>(1, 2, 3, 1, 1);
  m.add<AvgPool2d>(2);  // smooth, so the whole-model check has no kinks
  m.add<Flatten>();
  m.add<Linear>(2 * 2 * 3, 3);
  CHECK_GRADIENTS(m, randn({2, 1, 4, 6}, 2));
}

TEST_CASE("Sequential names parameters like PyTorch's state_dict") {
  manual_seed(2);
  Sequential m;
  build_small(m);
  std::vector<std::string> names;
  for (auto& [n, p] : m.parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "4.weight", "4.bias"});
  CHECK(m.num_parameters() == 2 * 9 + 2 + 12 * 3 + 3);
  m.parameters()[0].second->frozen = true;
  CHECK(m.num_parameters(true) == 2 + 12 * 3 + 3);
  CHECK(m.spec() == "conv 2 3 pad=1, relu, maxpool 2, flatten, linear 3");
}

TEST_CASE("Sequential summary lists layers, output shapes and parameter counts") {
  manual_seed(3);
  Sequential m;
  build_small(m);
  m.parameters()[0].second->frozen = true;
  const auto shapes = m.output_shapes({1, 6, 4});
  CHECK(shapes == std::vector<Shape>{{2, 6, 4}, {2, 6, 4}, {2, 3, 2}, {12}, {3}});
  const std::string s = m.summary({1, 6, 4});
  CHECK(s.find("Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))") != std::string::npos);
  CHECK(s.find("(2, 3, 2)") != std::string::npos);
  CHECK(s.find("20 (18 frozen)") != std::string::npos);
  CHECK(s.find("parameters: 59 (41 trainable, 18 frozen)") != std::string::npos);
  CHECK(m.training());  // the probe restores the mode
}

TEST_CASE("Sequential errors say which layer failed") {
  Sequential m;
  CHECK_THROWS_WITH_AS(m.forward(xt::zeros<float>({1, 2})), "Sequential: forward on a model with no layers",
                       std::logic_error);
  build_small(m);
  CHECK_THROWS_WITH_AS(m.forward(xt::zeros<float>({1, 1, 8, 8})),
                       "layer 4: Linear(in_features=12, out_features=3, bias=True): expected input (N, 12) with N > 0, "
                       "got (1, 32)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.summary({3, 6, 4}), doctest::Contains("layer 0: Conv2d(1, 2"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.add(nullptr), "Sequential::add: null layer", std::invalid_argument);
}

TEST_CASE("Sequential train/eval mode reaches every layer") {
  Sequential m;
  build_small(m);
  m.eval();
  for (std::size_t i = 0; i < m.size(); ++i) CHECK_FALSE(m[i].training());
  m.train();
  for (std::size_t i = 0; i < m.size(); ++i) CHECK(m[i].training());
}

TEST_CASE("A Sequential inside a Sequential: names, spec, name() and summary() show the nesting") {
  manual_seed(4);
  Sequential m;
  m.add<Conv2d>(1, 2, 3, 1, 1);
  auto inner = std::make_unique<Sequential>();
  inner->add<ReLU>();
  inner->add<Conv2d>(2, 3, 3);
  m.add(std::move(inner));
  m.add<Flatten>();
  m.add<Linear>(3 * 4 * 4, 2);

  std::vector<std::string> names;
  for (auto& [n, p] : m.parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.1.weight", "1.1.bias", "3.weight", "3.bias"});
  CHECK(prefixed_parameters({{"body", &m}}).at(2).first == "body.1.1.weight");
  CHECK(m.spec() == "conv 2 3 pad=1, seq[relu, conv 3 3], flatten, linear 2");
  CHECK(m.name().find("  (1): Sequential(\n    (0): ReLU()\n    (1): Conv2d(2, 3") != std::string::npos);
  CHECK(m.name().find("\n  )\n  (2): Flatten") != std::string::npos);
  CHECK(short_name(m[1]) == "Sequential");
  CHECK(short_name(m[2]) == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(m.children_input_shapes({1, 6, 6}) == std::vector<Shape>{{1, 6, 6}, {2, 6, 6}, {3, 4, 4}, {48}});

  const std::string s = m.summary({1, 6, 6});
  CAPTURE(s);
  CHECK(s.find("\n1    Sequential    ") != std::string::npos);
  CHECK(s.find("\n1.0    ReLU()    ") != std::string::npos);  // indented under its parent
  CHECK(s.find("\n1.1    Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1))    ") != std::string::npos);
  CHECK(s.find("  (3, 4, 4)      57\n2    Flatten") != std::string::npos);
  CHECK(s.find("parameters: 175 (175 trainable, 0 frozen)") != std::string::npos);
  auto rebuilt = build_model(m.spec(), {1, 6, 6});
  CHECK(rebuilt->name() == m.name());
}

// What each parameter's gradient is after one backward of `model` (NaN where backward left it).
std::vector<Tensor> grads_after_backward(Sequential& model, const Tensor& x, const Tensor& dy) {
  for (auto& [n, p] : model.parameters()) p->grad.fill(std::numeric_limits<float>::quiet_NaN());
  model.forward(x);
  model.backward(dy);
  std::vector<Tensor> g;
  for (auto& [n, p] : model.parameters()) g.push_back(p->grad);
  return g;
}

TEST_CASE("Without input gradients, backward stops at the first layer with a trainable parameter, and follows freezing") {
  manual_seed(3);
  auto model = build_model("conv 3 3 pad=1, relu, res[conv 3 3 pad=1, relu, conv 3 3 pad=1], conv 2 1, flatten, linear 4", {2, 5, 5});
  const Tensor x = randn({2, 2, 5, 5}, 4), dy = randn({2, 4}, 5);
  const std::vector<Tensor> all = grads_after_backward(*model, x, dy);  // needs_input_grad: every layer runs
  const auto params = model->parameters();
  REQUIRE(params.size() == 10);  // 0.weight 0.bias 2.body.0.* 2.body.2.* 3.* 5.*
  model->set_needs_input_grad(false);
  CHECK(model->backward(dy).size() == 0);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK_MESSAGE(bit_identical(grads_after_backward(*model, x, dy)[i], all[i]), params[i].first);

  // Freeze the stem and the block's first conv: they get no backward (their grads stay NaN), and
  // the rest gets the same gradients bit for bit.
  for (std::size_t i = 0; i < 4; ++i) params[i].second->frozen = true;
  std::vector<Tensor> g = grads_after_backward(*model, x, dy);
  for (std::size_t i = 0; i < params.size(); ++i) {
    CAPTURE(params[i].first);
    if (i < 4) CHECK(xt::all(xt::isnan(g[i])));  // layer 0, and inside the block its first conv: skipped
    else CHECK(bit_identical(g[i], all[i]));
  }
  // Unfrozen again: at once, every layer gets its gradient.
  for (auto& [n, p] : params) p->frozen = false;
  g = grads_after_backward(*model, x, dy);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK_MESSAGE(bit_identical(g[i], all[i]), params[i].first);
  // Everything frozen: nothing to compute.
  for (auto& [n, p] : params) p->frozen = true;
  g = grads_after_backward(*model, x, dy);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK_MESSAGE(xt::all(xt::isnan(g[i])), params[i].first);
  // Input gradients asked for again: the whole chain runs, and dx is the one computed first.
  for (auto& [n, p] : params) p->frozen = false;
  model->set_needs_input_grad(true);
  model->forward(x);
  CHECK(model->backward(dy).shape() == x.shape());
}
