// One tester for every registered layer type (as dlib runs every layer through one test_layer):
// each entry of the table below is built from its spec and goes through the gradient check, the
// no-hidden-state check, a checkpoint save/load round trip and a train()/eval() check. A layer type
// that registers itself without an entry here fails the first test, so no layer ships untested.
// The per-layer files keep the known-value and error tests.
#include <set>
#include "minicnn/core/text.hpp"

#include "explain/explain_checks.hpp"
#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/conv2d.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

struct LayerCase {
  std::string spec;  // one item of the type under test (with what it needs before it, if anything)
  Shape input;       // one sample
  float h = 1e-2f;   // the gradient check's step
};

// One entry per registered type word.
const std::map<std::string, LayerCase>& cases() {
  static const std::map<std::string, LayerCase> c{
      {"conv", {"conv 3 3x2 stride=2x1 pad=1 dilation=1", {2, 5, 4}}},
      {"linear", {"linear 3", {5}}},
      {"relu", {"relu", {2, 3, 3}}},
      {"leakyrelu", {"leakyrelu slope=0.2", {2, 3, 3}}},
      {"tanh", {"tanh", {2, 3, 3}}},
      {"sigmoid", {"sigmoid", {2, 3, 3}}},
      {"hardtanh", {"hardtanh min=-2 max=2", {2, 3, 3}}},
      {"relu6", {"relu6", {2, 3, 3}}},
      {"maxpool", {"maxpool 3 stride=2 pad=1 dilation=1x2 ceil_mode=1", {2, 6, 7}}},
      {"avgpool", {"avgpool 3 stride=2 pad=0x1x1x0 ceil_mode=1 count_include_pad=0", {2, 6, 5}}},
      {"adaptiveavgpool", {"adaptiveavgpool 3x2", {2, 7, 5}}},
      {"pad", {"pad 1x0x2x1 value=0.5", {2, 3, 2}}},
      {"globalavgpool", {"globalavgpool", {3, 3, 2}}},
      {"flatten", {"flatten", {2, 3, 2}}},
      {"dropout", {"dropout p=0.3", {2, 3, 3}}},
      {"batchnorm", {"batchnorm", {3, 3, 2}}},
      // Composite layers: a residual block with a stride-2 projection shortcut and BatchNorm in both
      // branches, and a whole small resnet as a nested Sequential (stem, a block with the identity
      // shortcut, one with a projection, head). Smooth activations and a smaller step: a conv
      // followed by BatchNorm curves f enough that h = 1e-2 misjudges it by a few percent, and a
      // ReLU after BatchNorm sits on its kink too often (tests/layers/test_residual.cpp checks
      // post=relu with the sum kept away from it, and tests/cli/pytorch_test.sh a ReLU resnet's
      // gradients against autograd).
      {"res", {"res[conv 3 3 stride=2 pad=1, batchnorm, tanh, conv 3 3 pad=1, batchnorm](conv 3 1 stride=2, batchnorm)",
               {2, 4, 4}, 3e-3f}},
      // A concat of three branches as in an Inception module: a 1x1 conv, a 1x1 then a 3x3 with
      // BatchNorm, and a 3x3 conv.
      {"cat", {"cat[conv 2 1][conv 2 1, batchnorm, tanh, conv 3 3 pad=1][conv 1 3 pad=1, tanh]", {2, 4, 4}, 3e-3f}},
      {"seq", {"seq[conv 3 3 pad=1 bias=0, batchnorm, tanh, res[conv 3 3 pad=1 bias=0, batchnorm, tanh, conv 3 3 pad=1], "
               "res[conv 4 3 stride=2 pad=1 bias=0, batchnorm, tanh, conv 4 3 pad=1 bias=0, batchnorm](conv 4 1 stride=2, batchnorm), "
               "globalavgpool, linear 3]",
               {2, 4, 4}, 3e-3f}},
  };
  return c;
}

// The registered types with no entry: what the coverage test reports.
std::vector<std::string> untested(const std::map<std::string, LayerType>& registered,
                                  const std::map<std::string, LayerCase>& table) {
  std::vector<std::string> missing;
  for (const auto& [word, type] : registered)
    if (!table.count(word)) missing.push_back(word);
  return missing;
}

// Reseeds the global generator before every forward, so a random layer (Dropout) draws the same
// mask each time and is a fixed function of x, as a gradient check needs. Deterministic layers
// do not notice.
class Reseeded final : public Layer {
 public:
  explicit Reseeded(Layer& inner) : inner_(inner) {}
  const Tensor& forward(const Tensor& x) override {
    manual_seed(42);
    return inner_.forward(x);
  }
  const Tensor& backward(const Tensor& dy) override { return inner_.backward(dy); }
  NamedParameters parameters() override { return inner_.parameters(); }
  std::string name() const override { return inner_.name(); }

 private:
  Layer& inner_;
};

// A batch of 2 samples with distinct values spaced 0.1 apart, centred on zero and kept 0.05 away
// from it: no max-pool window has a tie and no ReLU input sits on its kink.
Tensor input_for(const Shape& sample) {
  Shape batch{2};
  batch.insert(batch.end(), sample.begin(), sample.end());
  Tensor x = distinct(batch, 3, 0.1f);
  x -= 0.05f * static_cast<float>(x.size());
  return away_from_zero(x, 0.05f);
}

}  // namespace

TEST_CASE("Every registered layer type has an entry in the generic layer tester") {
  CHECK_MESSAGE(untested(layer_types(), cases()).empty(),
                "registered without an entry in tests/layers/test_every_layer.cpp: " << join(untested(layer_types(), cases())));
}

TEST_CASE("The coverage check fails for a layer type registered without an entry") {
  std::map<std::string, LayerType> registered = layer_types();
  registered.emplace("untested_layer", LayerType{"untested_layer", "untested_layer", nullptr});
  CHECK(untested(registered, cases()) == std::vector<std::string>{"untested_layer"});
}

TEST_CASE("Every layer type: gradient check, no hidden state, checkpoint round trip, train/eval") {
  for (const auto& [word, c] : cases()) {
    CAPTURE(word);
    CAPTURE(c.spec);
    manual_seed(7);
    auto model = build_model(c.spec, c.input);
    const Tensor x = input_for(c.input);
    Reseeded reseeded(*model);
    for (const bool training : {true, false}) {
      CAPTURE(training);
      model->set_training(training);
      GradCheckOptions options;
      options.h = c.h;
      CHECK_GRADIENTS(reseeded, x, options);
      check_no_hidden_state(reseeded, x);
    }

    // train()/eval() reach every layer, and an eval forward changes no buffer (running statistics).
    model->eval();
    for (auto& [path, layer] : named_layers(*model)) CHECK_MESSAGE(!layer->training(), path);
    std::vector<Tensor> buffers_before;
    for (auto& [n, b] : model->buffers()) buffers_before.push_back(*b);
    const Tensor y_eval = model->forward(x);
    std::size_t i = 0;
    for (auto& [n, b] : model->buffers()) CHECK_MESSAGE(bit_identical(*b, buffers_before[i++]), n);
    model->train();
    for (auto& [path, layer] : named_layers(*model)) CHECK_MESSAGE(layer->training(), path);

    // Save and load: the same spec, parameters and buffers, so the same eval output bit for bit.
    TempDir dir("every-layer");
    CheckpointInfo info;
    info.spec = model->spec();
    info.input_shape = c.input;
    save_checkpoint(dir / "m.npz", *model, info);
    auto loaded = load_model(dir / "m.npz");
    CHECK(loaded->name() == model->name());
    loaded->eval();
    CHECK(bit_identical(loaded->forward(x), y_eval));
  }
}

// Layer::release_scratch: a built model holds no activations (the shape probe frees them), a
// released layer refuses a backward as a new one does, and then computes exactly what it did.
TEST_CASE("Every layer type: release_scratch leaves the layer as built, and it then computes the same bits") {
  for (const auto& [word, c] : cases()) {
    CAPTURE(word);
    manual_seed(7);
    auto model = build_model(c.spec, c.input);
    for (auto& [path, layer] : named_layers(*model))
      if (auto* conv = dynamic_cast<Conv2d*>(layer)) CHECK_MESSAGE(conv->output().dimension() == 0, path);
    const Tensor x = input_for(c.input);
    Reseeded reseeded(*model);
    const auto pass = [&] {
      std::vector<Tensor> out{reseeded.forward(x)};
      const Tensor dy = distinct(shape_of(out[0]), 5, 0.01f);
      out.push_back(reseeded.backward(dy));
      for (auto& [n, p] : model->parameters()) out.push_back(p->grad);
      return out;
    };
    const std::vector<Tensor> before = pass();
    model->release_scratch();
    CHECK_THROWS_AS(model->backward(before[0]), std::logic_error);
    for (auto& [path, layer] : named_layers(*model))
      if (auto* conv = dynamic_cast<Conv2d*>(layer)) CHECK_MESSAGE(conv->output().dimension() == 0, path);
    const std::vector<Tensor> after = pass();
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < before.size(); ++i) CHECK_MESSAGE(bit_identical(after[i], before[i]), "tensor " << i);
  }
}

// Layer::output_shape (rule 8) against forward: the same shape for the case's input, and for
// inputs around it (a dimension more or less, a channel more, a 1x1 image, an empty batch) either
// the same shape or the same std::invalid_argument, word for word. Each layer type also stands
// alone, so that its own override is the one asked.
TEST_CASE("Every layer type: output_shape says what forward gives, and refuses what forward refuses") {
  const auto variants = [](const Shape& sample) {
    std::vector<Shape> v;
    for (std::size_t n : {std::size_t{2}, std::size_t{0}}) {
      Shape x{n};
      x.insert(x.end(), sample.begin(), sample.end());
      v.push_back(x);
      Shape more_channels = x, fewer = x, extra = x, tiny = x;
      more_channels[1] += 1;
      v.push_back(more_channels);
      fewer.pop_back();
      v.push_back(fewer);
      extra.push_back(2);
      v.push_back(extra);
      for (std::size_t d = 2; d < tiny.size(); ++d) tiny[d] = 1;
      v.push_back(tiny);
    }
    return v;
  };
  for (const auto& [word, c] : cases()) {
    CAPTURE(word);
    manual_seed(7);
    auto model = build_model(c.spec, c.input);
    std::vector<Layer*> layers{model.get()};
    for (auto& [path, layer] : named_layers(*model)) layers.push_back(layer);
    for (Layer* layer : layers) {
      CAPTURE(layer->name());
      for (const Shape& in : variants(c.input)) {
        CAPTURE(shape_str(in));
        std::string forward_says, shape_says;
        Shape from_forward, from_shape;
        try {
          const TrainingModeGuard eval(*layer, false);
          from_forward = shape_of(layer->forward(Tensor(xt::zeros<float>(in))));
        } catch (const std::invalid_argument& e) {
          forward_says = e.what();
        }
        try {
          from_shape = layer->output_shape(in);
        } catch (const std::invalid_argument& e) {
          shape_says = e.what();
        }
        CHECK(shape_says == forward_says);
        CHECK(shape_str(from_shape) == shape_str(from_forward));
      }
    }
  }
}

// What explanations differentiate (explain/gradients.hpp): in eval mode, a class logit of a model
// made of the layer under test and a linear head, with respect to the input and to the output of
// every layer in it (nested ones too), against central differences.
TEST_CASE("Every layer type: explanation gradients to the input and to every layer's output") {
  for (const auto& [word, c] : cases()) {
    CAPTURE(word);
    manual_seed(7);
    const Shape out = sample_output_shape(*build_model(c.spec, c.input), c.input);
    auto model = build_model(c.spec + (out.size() > 1 ? ", flatten" : "") + ", linear 3", c.input);
    const Tensor x = input_for(c.input);
    const std::vector<std::size_t> classes{1, 2};
    std::vector<std::string> paths;
    for (const auto& [path, layer] : named_layers(*model)) paths.push_back(path);
    for (const auto& path : paths) {
      CAPTURE(path);
      explain::LayerTap tap(*model, path);
      const explain::ClassGradients g = explain::class_gradients(*model, x, classes);
      CHECK(relative_error(g.input_grad, numeric_input_gradient(*model, x, classes, c.h)) < 1e-2);
      std::vector<std::size_t> all(tap.output().size());
      for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
      const Tensor fd = numeric_layer_gradient(*model, x, classes, path, shape_of(tap.output()), all, c.h);
      CHECK(relative_error(tap.grad(), fd) < 1e-2);
    }
  }
}
