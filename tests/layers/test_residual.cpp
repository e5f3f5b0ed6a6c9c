#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/io/checkpoint.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

namespace {

std::unique_ptr<Sequential> block_of_relu() {
  auto s = std::make_unique<Sequential>();
  s->add<ReLU>();
  return s;
}

std::vector<std::string> names_of(const NamedParameters& ps) {
  std::vector<std::string> n;
  for (const auto& [name, p] : ps) n.push_back(name);
  return n;
}

std::vector<std::string> names_of(const NamedBuffers& bs) {
  std::vector<std::string> n;
  for (const auto& [name, b] : bs) n.push_back(name);
  return n;
}

// The shape of the resnet-mini presets, small: a stem, a block with the identity shortcut, a block
// with a stride-2 projection shortcut, the head.
const char* const kSmallResnet =
    "conv 3 3 pad=1 bias=0, batchnorm, relu, "
    "res[conv 3 3 pad=1 bias=0, batchnorm, relu, conv 3 3 pad=1 bias=0, batchnorm] post=relu, "
    "res[conv 4 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 4 3 pad=1 bias=0, batchnorm](conv 4 1 stride=2 bias=0, batchnorm) "
    "post=relu, globalavgpool, linear 3";
// The same with Tanh for ReLU, so that its gradient check meets no kink (post=relu is checked on
// its own below).
const char* const kSmoothResnet =
    "conv 3 3 pad=1 bias=0, batchnorm, tanh, "
    "res[conv 3 3 pad=1 bias=0, batchnorm, tanh, conv 3 3 pad=1 bias=0, batchnorm], "
    "res[conv 4 3 stride=2 pad=1 bias=0, batchnorm, tanh, conv 4 3 pad=1 bias=0, batchnorm](conv 4 1 stride=2 bias=0, batchnorm), "
    "tanh, globalavgpool, linear 3";

}  // namespace

TEST_CASE("Residual known values: y = body(x) + x, then the post activation") {
  Tensor x = Tensor::from_shape({1, 4});
  const float v[] = {-2, -1, 1, 2};
  std::copy(v, v + 4, x.data());
  const Tensor ones = xt::ones<float>({1, 4});

  Residual plain(block_of_relu());  // relu(x) + x
  CHECK(plain.forward(x) == Tensor{{-2, -1, 2, 4}});
  CHECK(plain.backward(ones) == Tensor{{1, 1, 2, 2}});  // relu'(x) + 1: both branches' gradients add

  Residual post(block_of_relu(), nullptr, Residual::Post::relu);  // relu(relu(x) + x)
  CHECK(post.forward(x) == Tensor{{0, 0, 2, 4}});
  CHECK(post.backward(ones) == Tensor{{0, 0, 2, 2}});  // the post ReLU's gradient reaches both branches

  auto sc = std::make_unique<Sequential>();
  sc->add<LeakyReLU>(0.5f);  // a shortcut of its own: relu(x) + leaky(x)
  Residual two(block_of_relu(), std::move(sc));
  CHECK(two.forward(x) == Tensor{{-1, -0.5f, 2, 4}});
  CHECK(two.backward(ones) == Tensor{{0.5f, 0.5f, 2, 2}});
}

// Composite checks use smooth activations and a step of 3e-3: after a conv and a BatchNorm, f is
// curved enough that h = 1e-2 misjudges a few weights by some percent, and a ReLU after BatchNorm
// has inputs next to its kink in every batch. The post=relu check below keeps the sum away from it.
GradCheckOptions composite_step() {
  GradCheckOptions o;
  o.h = 3e-3f;
  return o;
}

TEST_CASE("Residual backward matches finite differences: identity and projection shortcuts, BatchNorm in training mode") {
  for (const char* spec :
       {"res[conv 2 3 pad=1, batchnorm, tanh, conv 2 3 pad=1, batchnorm]",
        "res[conv 3 3 stride=2 pad=1, batchnorm, tanh, conv 3 3 pad=1, batchnorm](conv 3 1 stride=2, batchnorm)",
        "res[conv 2 3 pad=1, batchnorm, sigmoid](batchnorm)", "res[avgpool 2 stride=1, conv 2 2 pad=1]"}) {
    CAPTURE(spec);
    manual_seed(3);
    auto model = build_model(spec, {2, 4, 4});
    const Tensor x = randn({3, 2, 4, 4}, 11);
    model->train();
    CHECK_GRADIENTS(*model, x, composite_step());
    model->eval();
    CHECK_GRADIENTS(*model, x, composite_step());
    check_no_hidden_state(*model, x);
  }
}

// post=relu: the last BatchNorm of each branch gets a small scale, so body + shortcut stays at
// least 0.15 from ReLU's kink; with shifts of +1 and -1 (projection), one channel sits on each side.
TEST_CASE("Residual with post=relu matches finite differences away from the kink") {
  manual_seed(4);
  auto identity = build_model("res[conv 2 3 pad=1, batchnorm, tanh, conv 2 3 pad=1, batchnorm] post=relu", {2, 4, 4});
  dynamic_cast<BatchNorm2d*>(find_layer(*identity, "0.body.4"))->weight().value.fill(0.05f);  // |body| < 0.35
  CHECK_GRADIENTS(*identity, away_from_zero(randn({3, 2, 4, 4}, 11), 0.5f), composite_step());  // |x| >= 0.5

  auto projection = build_model(
      "res[conv 2 3 stride=2 pad=1, batchnorm, tanh, conv 2 3 pad=1, batchnorm](conv 2 1 stride=2, batchnorm) post=relu", {2, 4, 4});
  dynamic_cast<BatchNorm2d*>(find_layer(*projection, "0.body.4"))->weight().value.fill(0.05f);
  auto* shortcut_bn = dynamic_cast<BatchNorm2d*>(find_layer(*projection, "0.shortcut.1"));
  shortcut_bn->weight().value.fill(0.05f);
  shortcut_bn->bias().value = Tensor{1.f, -1.f};  // channel 0 passes the ReLU, channel 1 is cut
  const Tensor x = randn({3, 2, 4, 4}, 12);
  CHECK_GRADIENTS(*projection, x, composite_step());
  const Tensor& y = projection->forward(x);
  CHECK(xt::amin(xt::view(y, xt::all(), 0))() > 0.1f);
  CHECK(xt::amax(xt::view(y, xt::all(), 1))() == 0.f);
}

TEST_CASE("A whole small resnet and a nested Sequential match finite differences") {
  manual_seed(5);
  auto resnet = build_model(kSmoothResnet, {2, 6, 6});  // BatchNorm in training mode
  CHECK_GRADIENTS(*resnet, randn({4, 2, 6, 6}, 12), composite_step());
  auto nested = build_model("conv 2 3 pad=1, seq[tanh, seq[conv 3 3, avgpool 2], flatten], linear 2", {1, 6, 6});
  CHECK_GRADIENTS(*nested, randn({2, 1, 6, 6}, 13));
  CHECK(nested->parameters().at(2).first == "1.1.0.weight");  // as nn.Sequential inside nn.Sequential
}

TEST_CASE("Residual names parameters and buffers as PyTorch's state_dict of .body/.shortcut submodules") {
  manual_seed(6);
  auto m = build_model(kSmallResnet, {2, 6, 6});
  const auto params = names_of(m->parameters());
  CHECK(params == std::vector<std::string>{
                      "0.weight", "1.weight", "1.bias",                                                //
                      "3.body.0.weight", "3.body.1.weight", "3.body.1.bias",                           //
                      "3.body.3.weight", "3.body.4.weight", "3.body.4.bias",                           //
                      "4.body.0.weight", "4.body.1.weight", "4.body.1.bias",                           //
                      "4.body.3.weight", "4.body.4.weight", "4.body.4.bias",                           //
                      "4.shortcut.0.weight", "4.shortcut.1.weight", "4.shortcut.1.bias",               //
                      "6.weight", "6.bias"});
  const auto buffers = names_of(m->buffers());
  CHECK(buffers.size() == 6 * 3);  // six BatchNorm2d layers
  CHECK(buffers.at(3) == "3.body.1.running_mean");
  CHECK(buffers.at(16) == "4.shortcut.1.running_var");
  CHECK(buffers.at(17) == "4.shortcut.1.num_batches_tracked");

  std::vector<std::string> paths;
  for (auto& [p, l] : named_layers(*m)) paths.push_back(p);
  CHECK(paths.at(3) == "3");
  CHECK(paths.at(4) == "3.body");
  CHECK(paths.at(5) == "3.body.0");
  CHECK(std::count(paths.begin(), paths.end(), "3.post") == 1);
  CHECK(std::count(paths.begin(), paths.end(), "3.shortcut") == 0);  // the identity is no layer
  CHECK(std::count(paths.begin(), paths.end(), "4.shortcut.1") == 1);
  CHECK(dynamic_cast<Conv2d*>(find_layer(*m, "4.shortcut.0")) != nullptr);
  std::string first;
  CHECK(first_layer<BatchNorm2d>(*m->children().at(4).second, &first) != nullptr);
  CHECK(first == "body.1");
}

TEST_CASE("Residual spec() and name() round-trip, and summary() shows the layers inside") {
  manual_seed(7);
  for (const std::string& spec :
       {std::string(kSmallResnet), std::string("res[relu]"), std::string("res[tanh](sigmoid), res[seq[relu, relu]] post=relu"),
        std::string("conv 2 3, seq[relu, seq[conv 2 1]], flatten, linear 2")}) {
    CAPTURE(spec);
    auto m = build_model(spec, {2, 6, 6});
    CHECK(m->spec() == spec);
    CHECK(build_model(m->spec(), {2, 6, 6})->name() == m->name());
  }
  CHECK(build_model("res[relu] post=none", {3})->spec() == "res[relu]");

  auto m = build_model(kSmallResnet, {2, 6, 6});
  CHECK(m->name().find("(4): Residual(\n    (body): Sequential(\n      (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2)") !=
        std::string::npos);
  CHECK(m->name().find("\n    (shortcut): Sequential(\n      (0): Conv2d(3, 4, kernel_size=(1, 1), stride=(2, 2), bias=False)") !=
        std::string::npos);
  CHECK(m->name().find("    (post): ReLU()\n  )\n") != std::string::npos);

  const std::string s = m->summary({2, 6, 6});
  CAPTURE(s);
  auto row = [&](const std::string& start, const std::string& layer, const std::string& out, const std::string& params) {
    std::istringstream lines(s);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(start + " ", 0) == 0 && line.find(layer) != std::string::npos && line.find(out) != std::string::npos &&
          line.size() >= params.size() && line.compare(line.size() - params.size(), params.size(), params) == 0)
        return true;
    return false;
  };
  CHECK(row("3", "Residual", "(3, 6, 6)", " 174"));  // 2 * (81 + 6) inside it
  CHECK(row("3.body", "  Sequential", "(3, 6, 6)", " 174"));
  CHECK(row("3.body.0", "    Conv2d(3, 3", "(3, 6, 6)", " 81"));
  CHECK(row("3.post", "  ReLU()", "(3, 6, 6)", " 0"));
  CHECK(row("4.body.0", "    Conv2d(3, 4", "(4, 3, 3)", " 108"));
  CHECK(row("4.shortcut", "  Sequential", "(4, 3, 3)", " 20"));
  CHECK(row("4.shortcut.1", "    BatchNorm2d(4", "(4, 3, 3)", " 8"));
  CHECK(row("6", "Linear(in_features=4", "(3)", " 15"));
  CHECK(s.find("parameters: " + std::to_string(m->num_parameters())) != std::string::npos);
}

TEST_CASE("Residual with needs_input_grad off skips dx and still writes every parameter gradient") {
  manual_seed(8);
  auto a = build_model("res[conv 2 3 pad=1, relu](conv 2 1)", {2, 4, 4});
  auto b = build_model("res[conv 2 3 pad=1, relu](conv 2 1)", {2, 4, 4});
  auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) pb[i].second->value = pa[i].second->value;
  const Tensor x = randn({2, 2, 4, 4}, 14), dy = randn({2, 2, 4, 4}, 15);
  b->set_needs_input_grad(false);
  auto& res = dynamic_cast<Residual&>((*b)[0]);
  CHECK_FALSE(res.body()[0].needs_input_grad());
  CHECK_FALSE(res.shortcut()->operator[](0).needs_input_grad());
  a->forward(x);
  CHECK(a->backward(dy).shape() == x.shape());
  b->forward(x);
  CHECK(b->backward(dy).size() == 0);
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK_MESSAGE(bit_identical(pa[i].second->grad, pb[i].second->grad), pa[i].first);
  b->set_needs_input_grad(true);
  CHECK(res.body()[0].needs_input_grad());
  CHECK(res.body()[1].needs_input_grad());  // layers after the first always pass dx on
}

TEST_CASE("Residual errors name the branches and both shapes") {
  CHECK_THROWS_WITH_AS(Residual(std::make_unique<Sequential>()), "Residual: the body needs at least one layer",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Residual(block_of_relu(), std::make_unique<Sequential>()),
                       "Residual: a shortcut needs at least one layer (leave it out for the identity)", std::invalid_argument);
  auto body = std::make_unique<Sequential>();
  body->add<Conv2d>(2, 3, 3, 1, 1);
  Residual r(std::move(body));
  CHECK_THROWS_WITH_AS(r.backward(xt::zeros<float>({1, 3, 4, 4})), "Residual: backward called before forward", std::logic_error);
  CHECK_THROWS_WITH_AS(r.forward(xt::zeros<float>({1, 2, 4, 4})),
                       contains("Residual: the body gives (1, 3, 4, 4) and the shortcut (1, 2, 4, 4) for input (1, 2, 4, 4); "
                                "they must match (the shortcut is the identity: give one in round brackets"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(r.forward(xt::zeros<float>({1, 5, 4, 4})), contains("Residual body: layer 0: Conv2d(2, 3"),
                       std::invalid_argument);
  Residual ok(block_of_relu());
  ok.forward(xt::zeros<float>({1, 2}));
  CHECK_THROWS_WITH_AS(ok.backward(xt::zeros<float>({1, 3})), "Residual::backward dy: expected shape (1, 2), got (1, 3)",
                       std::invalid_argument);
}

TEST_CASE("Residual spec errors name the item inside the brackets") {
  const Shape in{2, 8, 8};
  auto fails = [&](const std::string& spec, const std::string& msg) {
    CAPTURE(spec);
    CHECK_THROWS_WITH_AS(build_model(spec, in), contains(msg), SpecError);
  };
  fails("res[relu] post=tanh", "spec item 1 'res[relu] post=tanh': post must be one of none, relu, got 'tanh'");
  fails("relu, res[conv 4 3 pad=1]",
        "spec item 2 'res[conv 4 3 pad=1]': the body gives (4, 8, 8) and the shortcut (2, 8, 8) for input (2, 8, 8); "
        "they must match (the shortcut is the identity");
  fails("res[conv 4 3 stride=2 pad=1](conv 4 1)",
        "spec item 1 'res[conv 4 3 stride=2 pad=1](conv 4 1)': the body gives (4, 4, 4) and the shortcut (4, 8, 8) for input "
        "(2, 8, 8); they must match");
  fails("relu, res[]", "spec item 2 'res[]': [...]: the block is empty; give at least one layer");
  fails("res[relu](  )", "spec item 1 'res[relu](  )': (...): the block is empty");
  fails("res[relu, conv 4 3 pad=1, batchnorm", "model spec: '[' is never closed");
  fails("res[relu]], relu", "model spec: unbalanced ']'");
  fails("res post=relu", "spec item 1 'res post=relu': 'res' needs a [...] block of layers");
  fails("res[relu] 3", "spec item 1 'res[relu] 3': expected 0 values after 'res', got 1");
  fails("res[relu] pots=relu", "unknown option 'pots' (usage: res[BODY LAYERS](SHORTCUT LAYERS) [post=none|relu]");
  fails("conv 4 3, res[conv 4 3 pad=1, linear 3]", "spec item 2.2 'linear 3': needs a flat input (F), got (4, 6, 6)");
  fails("res[relu](conv 2 1, convv 2)", "spec item 1.shortcut.2 'convv 2': unknown layer type 'convv'");
  fails("res[relu, res[conv 2 3 pad=1, bogus]]", "spec item 1.2.2 'bogus': unknown layer type 'bogus'");
  fails("seq[relu](relu)", "spec item 1 'seq[relu](relu)': 'seq' takes one [...] block, not a (...) block too");
  fails("seq", "spec item 1 'seq': 'seq' needs a [...] block of layers");
}

TEST_CASE("A residual model's checkpoint round trip keeps every tensor, so eval outputs match bit for bit") {
  manual_seed(9);
  auto m = build_model(kSmallResnet, {2, 6, 6});
  const Tensor x = randn({4, 2, 6, 6}, 16);
  m->forward(x);  // training mode: moves the running statistics off their start values
  m->eval();
  const Tensor y = m->forward(x);
  TempDir dir("residual");
  CheckpointInfo info;
  info.spec = m->spec();
  info.input_shape = {2, 6, 6};
  save_checkpoint(dir / "m.npz", *m, info);
  auto loaded = load_model(dir / "m.npz");
  loaded->eval();
  CHECK(bit_identical(loaded->forward(x), y));
  const CheckpointFile file = read_checkpoint(dir / "m.npz");
  REQUIRE(file.find("4.shortcut.1.running_mean") != nullptr);
  CHECK(bit_identical(*file.find("4.shortcut.1.running_mean"), *m->buffers().at(15).second));
}
