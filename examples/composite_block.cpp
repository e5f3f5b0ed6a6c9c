// A composite block in one file: squeeze-and-excitation (Hu et al., 2018, "Squeeze-and-Excitation
// Networks"), a layer built out of existing layers, then used inside a residual block from a spec
// and from C++. docs/EXTENDING.md's "A composite block" walks through this file; every code block
// of that section is copied from here, and a test checks they still match. The test suite runs
// this program: it checks the block's gradients, builds and trains an SE-residual model, saves it
// and loads it back.
#include <cmath>
#include <cstdio>
#include <exception>

#include "minicnn/core/registry.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/minicnn.hpp"

namespace minicnn {

// [se-layer]
// Squeeze-and-excitation: every channel of x is scaled by a gate in (0, 1) computed from the whole
// image, so the block can turn channels up or down per input:
//   s = gate(x) = sigmoid(W2 relu(W1 mean_hw(x) + b1) + b2)      (N, C)
//   y[n, c, h, w] = x[n, c, h, w] * s[n, c]
// The gate is a Sequential of existing layers; this class adds only the channel-wise scale.
class SqueezeExcite final : public Layer {
 public:
  SqueezeExcite(std::size_t channels, std::size_t reduction) : reduction_(reduction) {
    gate_.add<GlobalAvgPool2d>();                        // (N, C, H, W) -> (N, C)
    gate_.add<Linear>(channels, channels / reduction);   // squeeze
    gate_.add<ReLU>();
    gate_.add<Linear>(channels / reduction, channels);   // excite
    gate_.add<Sigmoid>();
  }

  const Tensor& forward(const Tensor& x) override {
    expect_rank(x, 4, "SqueezeExcite", "input (N, C, H, W)");
    copy_into(s_, gate_.forward(x));  // (N, C); backward needs it, and x
    copy_into(x_, x);
    ensure_shape(y_, x.shape());
    const std::size_t NC = s_.size(), HW = x.size() / NC;
    for (std::size_t nc = 0; nc < NC; ++nc)
      for (std::size_t k = 0; k < HW; ++k) y_.data()[nc * HW + k] = x.data()[nc * HW + k] * s_.data()[nc];
    return y_;
  }

  // x reaches y along two paths, directly and through the gate, and their gradients add:
  //   ds[n, c] = sum over h, w of dy[n, c, h, w] * x[n, c, h, w]
  //   dx = dy * s (s broadcast over h, w)  +  the gate's backward of ds
  const Tensor& backward(const Tensor& dy) override {
    check_backward(x_.dimension() != 0, dy, y_);
    const std::size_t NC = s_.size(), HW = x_.size() / NC;
    ensure_shape(ds_, s_.shape());
    for (std::size_t nc = 0; nc < NC; ++nc) {
      float sum = 0;
      for (std::size_t k = 0; k < HW; ++k) sum += dy.data()[nc * HW + k] * x_.data()[nc * HW + k];
      ds_.data()[nc] = sum;
    }
    const Tensor& dx_gate = gate_.backward(ds_);  // (N, C, H, W); also fills the gate's weight gradients
    ensure_shape(dx_, x_.shape());
    for (std::size_t nc = 0; nc < NC; ++nc)
      for (std::size_t k = 0; k < HW; ++k)
        dx_.data()[nc * HW + k] = dy.data()[nc * HW + k] * s_.data()[nc] + dx_gate.data()[nc * HW + k];
    return dx_;
  }

  // Being a composite: name the child, and let core prefix its parameters ("gate.1.weight", as
  // PyTorch names a submodule's), say what shape it sees, and pass train/eval on.
  NamedLayers children() override { return {{"gate", &gate_}}; }
  NamedParameters parameters() override { return prefixed_parameters(children()); }
  NamedBuffers buffers() override { return prefixed_buffers(children()); }
  std::vector<Shape> children_input_shapes(const Shape& input_shape) override { return {input_shape}; }
  void set_training(bool on) override {
    training_ = on;
    gate_.set_training(on);
  }
  std::string name() const override { return composite_name("SqueezeExcite", {{"gate", &gate_}}); }
  std::string spec() const override { return "se reduction=" + std::to_string(reduction_); }

 private:
  Sequential gate_;
  std::size_t reduction_;
  Tensor x_, s_, y_, ds_, dx_;
};
// [se-layer]

// [se-register]
MINICNN_REGISTER_LAYER(SqueezeExcite, "se", "se [reduction=4]", [](const LayerArgs& args, const Shape& input_shape) {
  args.expect_positional(0, 0);
  if (input_shape.size() != 3) args.fail("needs an image input (C, H, W), got " + shape_str(input_shape));
  const std::size_t channels = input_shape[0], reduction = args.count("reduction", 4);
  if (channels % reduction != 0)
    args.fail("reduction " + std::to_string(reduction) + " must divide the " + std::to_string(channels) + " channels");
  return std::make_unique<SqueezeExcite>(channels, reduction);
});
// [se-register]

}  // namespace minicnn

int main() try {
  using namespace minicnn;
  // [se-gradcheck]
  manual_seed(2);
  SqueezeExcite se(/*channels=*/8, /*reduction=*/4);
  // Tiny images: the gate's path to dx is divided by H*W, and on 3x3 images it falls inside the
  // check's tolerance, so a backward that dropped it would pass. This seed also keeps the gate's
  // ReLU inputs 0.2 or more from the kink.
  Tensor x = Tensor::from_shape({2, 8, 1, 2});
  init::normal(x, 0.f, 1.f);
  const GradCheckResult check = check_gradients(se, x);
  if (!check.ok()) {
    std::fprintf(stderr, "gradient check failed:\n%s", check.report.c_str());
    return 1;
  }
  std::printf("SqueezeExcite: %zu gradient entries match finite differences\n", check.checked);
  // [se-gradcheck]

  // [se-spec]
  auto model = build_model("conv 8 3 pad=1, batchnorm, relu, "
                           "res[conv 8 3 pad=1, batchnorm, relu, conv 8 3 pad=1, batchnorm, se reduction=4] post=relu, "
                           "globalavgpool, linear 3",
                           {1, 8, 8});
  std::printf("%s", model->summary({1, 8, 8}).c_str());  // rows 3.body.5 SqueezeExcite, 3.body.5.gate.1 Linear, ...
  // [se-spec]

  // [se-cpp]
  Sequential same;  // the same model written in C++
  same.add<Conv2d>(1, 8, 3, /*stride=*/1, /*padding=*/1);
  same.add<BatchNorm2d>(8);
  same.add<ReLU>();
  auto body = std::make_unique<Sequential>();
  body->add<Conv2d>(8, 8, 3, 1, 1);
  body->add<BatchNorm2d>(8);
  body->add<ReLU>();
  body->add<Conv2d>(8, 8, 3, 1, 1);
  body->add<BatchNorm2d>(8);
  body->add<SqueezeExcite>(8, 4);
  same.add<Residual>(std::move(body), /*shortcut=*/nullptr, Residual::Post::relu);  // identity shortcut
  same.add<GlobalAvgPool2d>();
  same.add<Linear>(8, 3);
  // [se-cpp]
  if (same.spec() != model->spec()) {
    std::fprintf(stderr, "the C++ model's spec differs:\n%s\n%s\n", same.spec().c_str(), model->spec().c_str());
    return 1;
  }

  // A few SGD steps on three classes of generated images (bright top, bright left, dark), then a
  // checkpoint round trip: the reloaded model gives the same outputs bit for bit.
  Tensor images = Tensor::from_shape({24, 1, 8, 8});
  std::vector<int> labels(24);
  for (std::size_t n = 0; n < 24; ++n) {
    labels[n] = static_cast<int>(n % 3);
    for (std::size_t i = 0; i < 64; ++i) {
      const std::size_t r = i / 8, c = i % 8;
      const bool on = labels[n] == 0 ? r < 3 : labels[n] == 1 ? c < 3 : false;
      images.data()[n * 64 + i] = (on ? 1.f : -0.5f) + 0.1f * std::sin(static_cast<float>(n * 64 + i));
    }
  }
  SGD opt(model->parameters(), 0.05f, 0.9f);
  SoftmaxCrossEntropy loss;
  float first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    last = loss.forward(model->forward(images), labels);
    if (step == 0) first = last;
    model->backward(loss.backward());
    opt.step();
  }
  std::printf("training loss %.4f -> %.4f\n", static_cast<double>(first), static_cast<double>(last));
  if (!(last < 0.5f * first)) {
    std::fprintf(stderr, "the SE-residual model did not learn\n");
    return 1;
  }
  CheckpointInfo info;
  info.spec = model->spec();
  info.input_shape = {1, 8, 8};
  save_checkpoint("composite_block_example.npz", *model, info);
  auto reloaded = load_model("composite_block_example.npz");  // rebuilt from the spec: finds "se"
  model->eval();
  reloaded->eval();
  const Tensor a = model->forward(images), b = reloaded->forward(images);
  if (!std::equal(a.begin(), a.end(), b.begin())) {
    std::fprintf(stderr, "the reloaded model gives other outputs\n");
    return 1;
  }
  std::printf("saved and reloaded: parameters %s ... %s\n", model->parameters().front().first.c_str(),
              model->parameters().back().first.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "composite_block: %s\n", e.what());
  return 1;
}
