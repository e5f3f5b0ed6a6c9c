// What a filter detects and why the network answered, in the C++ API: trains lenet5 briefly, prints
// the test digits that excite one channel of its second conv layer most, and writes the Grad-CAM map
// of the first test digit for the class the model gives it.
//   explain_digit [DATA_DIR] [TRAIN_IMAGES] [CHANNEL] [OUT_PNG]   (defaults: data/mnist, 5000, 0, gradcam.png)
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "minicnn/minicnn.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/train.hpp"

int main(int argc, char** argv) try {
  using namespace minicnn;
  const std::string dir = argc > 1 ? argv[1] : "data/mnist";
  const std::size_t limit = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 5000;
  const std::size_t channel = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 0;
  const std::string out = argc > 4 ? argv[4] : "gradcam.png";

  Dataset train = load_mnist(dir, "train"), test = load_mnist(dir, "test");
  truncate(train, limit);
  truncate(test, 1000);
  const Normalization norm = compute_normalization(train);
  manual_seed(1);
  auto model = build_model("lenet5", {1, 28, 28});
  SGD opt(model->parameters(), /*lr=*/0.05f, /*momentum=*/0.9f);
  SoftmaxCrossEntropy loss;
  DataLoader loader(train, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/1, norm);
  Tensor x;
  std::vector<int> labels;
  for (std::size_t b = 0; b < loader.num_batches(); ++b) {  // one epoch
    loader.load_batch(b, x, labels);
    loss.forward(model->forward(x), labels);
    model->backward(loss.backward());
    opt.step();
  }

  // Layer "3" is lenet5's second conv: 16 channels, each seeing 14x14 pixels of the input.
  explain::TopActivationsOptions top;
  top.k = 9;
  const auto layers = explain::top_activations(*model, test, norm, {"3"}, top);
  if (channel >= layers[0].channels.size()) throw std::invalid_argument("layer 3 has 16 channels, not " + std::to_string(channel + 1));
  const explain::ReceptiveField rf = explain::receptive_field(*model, "3", {1, 28, 28});
  std::printf("layer 3, channel %zu (receptive field %s): its strongest test digits\n", channel, rf.str().c_str());
  for (const explain::TopActivation& t : layers[0].channels[channel]) {
    const auto w = rf.window(t.y, t.x);
    std::printf("  #%zu  test image %4zu, a %d, activation %.3f at (%zu, %zu): pixels rows %ld-%ld, columns %ld-%ld\n", t.rank + 1,
                t.image, t.label, static_cast<double>(t.activation), t.y, t.x, w.top, w.top + w.height - 1, w.left, w.left + w.width - 1);
  }

  // Grad-CAM of test image 0 at the second pooling layer ("5", 16 maps of 5x5).
  Tensor one;
  DataLoader(test, /*batch_size=*/1, /*shuffle=*/false, 0, norm).load_batch(0, one, labels);  // batch 0: test image 0
  const Tensor p = explain::softmax(model->forward(one));
  std::size_t cls = 0;
  for (std::size_t k = 1; k < p.shape(1); ++k)
    if (p(0, k) > p(0, cls)) cls = k;
  const Tensor cam = explain::gradcam(*model, one, cls, "5");
  Tensor input = one;
  input.reshape({1, 28, 28});
  save_png(out, explain::render_map(cam, input, norm, "test image 0 (a " + std::to_string(test.labels[0]) + "): Grad-CAM for " +
                                                          std::to_string(cls), "bright: where layer 5's maps that raise the score are active"));
  std::printf("test image 0 is a %d, the model says %zu (p = %.3f); Grad-CAM (%zux%zu) written to %s\n", test.labels[0], cls,
              static_cast<double>(p(0, cls)), cam.shape(0), cam.shape(1), out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "explain_digit: %s\n", e.what());
  return 1;
}
