// BatchNorm2d + ReLU fused (Sequential::forward, BatchNorm2d::forward_relu): the same bits as the
// two layers run one after the other, for outputs, input gradients, every parameter gradient and
// the running statistics, in training and eval mode, at 1 and 2 threads; and a hook on either layer
// turns the fusion off, so that what it sees is that layer's own output.
#include "helpers.hpp"
#include "minicnn/core/kernel_path.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/layers/batch_norm2d.hpp"

using namespace minicnn;
using namespace minicnn::test;
using minicnn::explain::LayerTap;

namespace {

// Restores the fusion switch when the test ends.
struct FusionSwitch {
  bool was = fusion_enabled();
  explicit FusionSwitch(bool on) { set_fusion_enabled(on); }
  ~FusionSwitch() { set_fusion_enabled(was); }
};

// Three training steps (forward, backward, SGD-like update) and an eval forward; every tensor a
// step produces, in order.
std::vector<Tensor> run(const std::string& spec, const Shape& sample, bool fuse, int threads, bool freeze_first_bn) {
  const FusionSwitch fusion(fuse);
  set_num_threads(threads);
  manual_seed(3);
  auto model = build_model(spec, sample, 4);
  if (freeze_first_bn)
    for (auto& [name, p] : model->parameters())
      if (name.rfind("1.", 0) == 0) p->frozen = true;
  Shape batch{6};
  batch.insert(batch.end(), sample.begin(), sample.end());
  std::vector<Tensor> out;
  for (std::uint64_t step = 0; step < 3; ++step) {
    model->train();
    const Tensor x = randn(batch, 10 + step);
    out.push_back(model->forward(x));
    const Tensor dy = randn(shape_of(out.back()), 20 + step);
    out.push_back(model->backward(dy));
    for (auto& [name, p] : model->parameters()) {
      if (p->frozen) continue;
      out.push_back(p->grad);
      p->value -= 0.1f * p->grad;  // the next step starts from other weights
    }
    for (auto& [name, b] : model->buffers()) out.push_back(*b);
  }
  model->eval();
  out.push_back(model->forward(randn(batch, 99)));
  set_num_threads(1);
  return out;
}

}  // namespace

TEST_CASE("BatchNorm2d + ReLU fused: the same bits as the two layers, training and eval, 1 and 2 threads") {
  const std::pair<const char*, Shape> models[] = {
      {"convnet-rgb", {3, 32, 32}},
      {"resnet-mini", {3, 32, 32}},
      // at the very end of the model (the pair's output is the model's), and inside a concat
      {"conv 4 3 pad=1, batchnorm, relu, cat[conv 2 1, batchnorm, relu][conv 3 1], batchnorm, relu", {2, 5, 7}},
  };
  for (const auto& [spec, sample] : models)
    for (int threads : {1, 2})
      for (bool freeze : {false, true}) {
        CAPTURE(spec);
        CAPTURE(threads);
        CAPTURE(freeze);
        const std::vector<Tensor> fused = run(spec, sample, true, threads, freeze);
        const std::vector<Tensor> apart = run(spec, sample, false, threads, freeze);
        REQUIRE(fused.size() == apart.size());
        for (std::size_t i = 0; i < fused.size(); ++i) CHECK_MESSAGE(bit_identical(fused[i], apart[i]), "tensor " << i);
      }
}

TEST_CASE("BatchNorm2d + ReLU: fused only when asked, and never under a hook") {
  const FusionSwitch fusion(true);
  manual_seed(5);
  auto model = build_model("conv 3 3 pad=1, batchnorm, relu, flatten, linear 2", {1, 6, 6});
  const Tensor x = randn({4, 1, 6, 6}, 7);
  auto& bn = dynamic_cast<BatchNorm2d&>((*model)[1]);
  {
    LayerTap tap(*model, "1");  // the BatchNorm's own output has negative values
    model->forward(x);
    CHECK(xt::amin(tap.output())() < 0.f);
    const Tensor& direct = bn.forward((*model)[0].forward(x));
    CHECK(bit_identical(tap.output(), direct));
  }
  {
    LayerTap tap(*model, "2");  // fused, the ReLU would not run and its hook would see nothing
    model->forward(x);
    REQUIRE(shape_of(tap.output()) == Shape{4, 3, 6, 6});
    CHECK(xt::amin(tap.output())() == 0.f);
  }
  set_fusion_enabled(false);
  CHECK_FALSE(fusion_enabled());
}
