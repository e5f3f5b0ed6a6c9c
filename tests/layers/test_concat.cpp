// The concat block: known values, finite differences, PyTorch-style names, spec and errors.
#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/io/checkpoint.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

namespace {

std::unique_ptr<Sequential> block_of(std::unique_ptr<Layer> l) {
  auto s = std::make_unique<Sequential>();
  s->add(std::move(l));
  return s;
}

std::vector<std::unique_ptr<Sequential>> relu_and_tanh() {
  std::vector<std::unique_ptr<Sequential>> b;
  b.push_back(block_of(std::make_unique<ReLU>()));
  b.push_back(block_of(std::make_unique<Tanh>()));
  return b;
}

// A Fire module (squeeze, then two expands side by side) and an Inception-like module of three
// branches, with BatchNorm in training mode and smooth activations.
const char* const kFireInception =
    "conv 3 3 pad=1, tanh, "
    "seq[conv 2 1, tanh, cat[conv 2 1, tanh][conv 3 3 pad=1, tanh]], "
    "cat[conv 2 1 bias=0, batchnorm, tanh][conv 2 1, tanh, conv 3 3 pad=1][conv 1 1, tanh, conv 2 5 pad=2], "
    "globalavgpool, linear 3";

// As in test_residual.cpp: smooth activations and a step of 3e-3 after conv + BatchNorm.
GradCheckOptions composite_step() {
  GradCheckOptions o;
  o.h = 3e-3f;
  return o;
}

}  // namespace

TEST_CASE("Concat known values: the branches' outputs side by side by channel, per sample") {
  Concat c(relu_and_tanh());
  Tensor x = Tensor::from_shape({2, 1, 1, 2});
  const float v[] = {-1, 2, 3, -4};
  std::copy(v, v + 4, x.data());
  const Tensor& y = c.forward(x);
  REQUIRE(y.shape() == Tensor::shape_type{2, 2, 1, 2});
  CHECK(y(0, 0, 0, 0) == 0.f);
  CHECK(y(0, 0, 0, 1) == 2.f);
  CHECK(y(0, 1, 0, 0) == doctest::Approx(std::tanh(-1.f)));
  CHECK(y(1, 0, 0, 0) == 3.f);
  CHECK(y(1, 1, 0, 1) == doctest::Approx(std::tanh(-4.f)));
  // dx = relu'(x) dy_0 + tanh'(x) dy_1
  Tensor dy = xt::ones<float>({2, 2, 1, 2});
  xt::view(dy, xt::all(), 1) *= 2.f;
  const Tensor& dx = c.backward(dy);
  CHECK(dx(0, 0, 0, 0) == doctest::Approx(2 * (1 - std::tanh(-1.f) * std::tanh(-1.f))));
  CHECK(dx(0, 0, 0, 1) == doctest::Approx(1 + 2 * (1 - std::tanh(2.f) * std::tanh(2.f))));
  // Flat inputs join by feature.
  auto flat = build_model("cat[linear 3][linear 2, tanh][relu]", {4});
  CHECK(flat->forward(randn({5, 4}, 1)).shape() == Tensor::shape_type{5, 9});
}

TEST_CASE("Concat backward matches finite differences: Fire and Inception-like blocks, BatchNorm in both modes") {
  manual_seed(3);
  auto model = build_model(kFireInception, {2, 5, 5});
  const Tensor x = randn({3, 2, 5, 5}, 11);
  model->train();
  CHECK_GRADIENTS(*model, x, composite_step());
  model->eval();
  CHECK_GRADIENTS(*model, x, composite_step());
  check_no_hidden_state(*model, x);
  auto flat = build_model("linear 4, cat[linear 3, tanh][sigmoid][linear 2], linear 2", {5});
  CHECK_GRADIENTS(*flat, randn({3, 5}, 12));
}

TEST_CASE("Concat names parameters as a PyTorch nn.ModuleList of nn.Sequential branches, and layer paths follow") {
  manual_seed(6);
  auto m = build_model(kFireInception, {2, 5, 5});
  std::vector<std::string> params;
  for (const auto& [n, p] : m->parameters()) params.push_back(n);
  CHECK(params == std::vector<std::string>{"0.weight", "0.bias", "2.0.weight", "2.0.bias",                     //
                                           "2.2.0.0.weight", "2.2.0.0.bias", "2.2.1.0.weight", "2.2.1.0.bias",  //
                                           "3.0.0.weight", "3.0.1.weight", "3.0.1.bias",                        //
                                           "3.1.0.weight", "3.1.0.bias", "3.1.2.weight", "3.1.2.bias",          //
                                           "3.2.0.weight", "3.2.0.bias", "3.2.2.weight", "3.2.2.bias",          //
                                           "5.weight", "5.bias"});
  CHECK(m->buffers().at(0).first == "3.0.1.running_mean");
  CHECK(dynamic_cast<Conv2d*>(find_layer(*m, "3.1.2")) != nullptr);
  CHECK(dynamic_cast<Sequential*>(find_layer(*m, "3.2")) != nullptr);
  CHECK(find_layer(*m, "3.3") == nullptr);
  std::string path;
  CHECK(first_layer<BatchNorm2d>(*m, &path) != nullptr);
  CHECK(path == "3.0.1");
  // Freezing a branch by its parameters' names leaves the others trainable.
  for (auto& [n, p] : m->parameters()) p->frozen = n.rfind("3.1.", 0) == 0;
  CHECK(m->num_parameters(true) == m->num_parameters() - (5 * 2 + 2 + 2 * 3 * 3 * 3 + 3));
}

TEST_CASE("Concat spec() and name() round-trip, and summary() shows the branches") {
  manual_seed(7);
  for (const std::string& spec : {std::string(kFireInception), std::string("cat[relu][tanh]"),
                                  std::string("cat[res[relu]][seq[relu, tanh]][cat[relu][relu]]")}) {
    CAPTURE(spec);
    auto m = build_model(spec, {2, 5, 5});
    CHECK(m->spec() == spec);
    CHECK(build_model(m->spec(), {2, 5, 5})->name() == m->name());
  }
  auto m = build_model(kFireInception, {2, 5, 5});
  CHECK(m->name().find("(3): Concat(\n    (0): Sequential(\n      (0): Conv2d(5, 2, kernel_size=(1, 1)") != std::string::npos);
  const std::string s = m->summary({2, 5, 5});
  CAPTURE(s);
  CHECK(s.find("3.2.2") != std::string::npos);
  std::istringstream lines(s);
  bool cat_row = false;
  for (std::string line; std::getline(lines, line);)
    cat_row = cat_row || (line.rfind("3 ", 0) == 0 && line.find("Concat") != std::string::npos &&
                          line.find("(7, 5, 5)") != std::string::npos);
  CHECK(cat_row);
}

TEST_CASE("Concat with needs_input_grad off skips dx and still writes every parameter gradient") {
  manual_seed(8);
  auto a = build_model("cat[conv 2 3 pad=1, relu][conv 1 1]", {2, 4, 4});
  auto b = build_model("cat[conv 2 3 pad=1, relu][conv 1 1]", {2, 4, 4});
  for (std::size_t i = 0; i < a->parameters().size(); ++i)
    copy_into(b->parameters()[i].second->value, a->parameters()[i].second->value);
  b->set_needs_input_grad(false);
  const Tensor x = randn({2, 2, 4, 4}, 3), dy = randn({2, 3, 4, 4}, 4);
  a->forward(x);
  b->forward(x);
  CHECK(a->backward(dy).size() == x.size());
  CHECK(b->backward(dy).size() == 0);
  for (std::size_t i = 0; i < a->parameters().size(); ++i)
    CHECK(bit_identical(a->parameters()[i].second->grad, b->parameters()[i].second->grad));
}

TEST_CASE("Concat errors name the branch and the shapes") {
  CHECK_THROWS_WITH_AS(Concat(std::vector<std::unique_ptr<Sequential>>{}), "Concat: needs at least two branches",
                       std::invalid_argument);
  std::vector<std::unique_ptr<Sequential>> with_empty;
  with_empty.push_back(block_of(std::make_unique<ReLU>()));
  with_empty.push_back(std::make_unique<Sequential>());
  CHECK_THROWS_WITH_AS(Concat(std::move(with_empty)), "Concat: branch 1 needs at least one layer", std::invalid_argument);
  std::vector<std::unique_ptr<Sequential>> b;
  b.push_back(block_of(std::make_unique<ReLU>()));
  b.push_back(block_of(std::make_unique<MaxPool2d>(2)));
  Concat c(std::move(b));
  CHECK_THROWS_WITH_AS(c.backward(xt::zeros<float>({1, 2, 4, 4})), "Concat: backward called before forward", std::logic_error);
  CHECK_THROWS_WITH_AS(c.forward(xt::zeros<float>({1, 2, 4, 4})),
                       "Concat: branch 0 gives (1, 2, 4, 4) and branch 1 (1, 2, 2, 2) for input (1, 2, 4, 4); they must "
                       "match in every dimension but the channels (dimension 1)",
                       std::invalid_argument);
  Concat ok(relu_and_tanh());
  ok.forward(xt::zeros<float>({1, 2}));
  CHECK_THROWS_WITH_AS(ok.backward(xt::zeros<float>({1, 2})), "Concat::backward dy: expected shape (1, 4), got (1, 2)",
                       std::invalid_argument);

  const Shape in{2, 8, 8};
  auto fails = [&](const std::string& spec, const std::string& msg) {
    CAPTURE(spec);
    CHECK_THROWS_WITH_AS(build_model(spec, in), contains(msg), SpecError);
  };
  fails("relu, cat[conv 4 3 pad=1][maxpool 2]",
        "spec item 2 'cat[conv 4 3 pad=1][maxpool 2]': branch 0 gives (4, 8, 8) and branch 1 (2, 4, 4) for input (2, 8, 8); "
        "they must match in every size but the channels (the first)");
  fails("cat[relu]", "spec item 1 'cat[relu]': 'cat' needs at least 2 blocks, got 1");
  fails("cat[relu](tanh)", "spec item 1 'cat[relu](tanh)': 'cat' takes only [...] blocks, one per branch, not a (...) block");
  fails("cat", "spec item 1 'cat': 'cat' needs a [...] block of layers");
  fails("cat[relu][tanh] 2", "expected 0 values after 'cat', got 1");
  fails("cat[relu][tanh, bogus]", "spec item 1.block2.2 'bogus': unknown layer type 'bogus'");
  fails("cat[relu][]", "spec item 1 'cat[relu][]': [...]: the block is empty");
  fails("res[relu][tanh]", "spec item 1 'res[relu][tanh]': 'res' takes one [...] block, got 2 (only cat takes one [...] block per branch)");
  fails("seq[relu][tanh]", "'seq' takes one [...] block, got 2");
}

TEST_CASE("A concat model's checkpoint round trip keeps every tensor, so eval outputs match bit for bit") {
  manual_seed(9);
  auto m = build_model(kFireInception, {2, 5, 5});
  const Tensor x = randn({4, 2, 5, 5}, 16);
  m->forward(x);
  m->eval();
  const Tensor y = m->forward(x);
  TempDir dir("concat");
  CheckpointInfo info;
  info.spec = m->spec();
  info.input_shape = {2, 5, 5};
  save_checkpoint(dir / "m.npz", *m, info);
  auto loaded = load_model(dir / "m.npz");
  loaded->eval();
  CHECK(bit_identical(loaded->forward(x), y));
}

TEST_CASE("The receptive field of a concat is the union of its branches'") {
  auto m = build_model("cat[conv 1 1][conv 1 5 pad=2], cat[conv 1 3 pad=1][conv 1 1]", {1, 9, 9});
  const explain::ReceptiveField rf = explain::receptive_field(*m, "1", {1, 9, 9});
  CHECK(rf.y.size == 7);  // 5 then 3
  CHECK(rf.x.jump == 1);
  CHECK(explain::receptive_field(*m, "0.0.0", {1, 9, 9}).y.size == 1);
}
