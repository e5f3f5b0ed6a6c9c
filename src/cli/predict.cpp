// minicnn predict: the class and probabilities a checkpoint gives any image.
#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/image_io.hpp"
#include "minicnn/layers/softmax_cross_entropy.hpp"

namespace minicnn::cli {

namespace {

struct PredictArgs {
  std::string checkpoint;
  std::vector<std::string> images;
  bool raw = false;
};

int run(const PredictArgs& a) {
  CheckpointInfo info;
  auto model = load_model(a.checkpoint, &info);
  model->eval();
  const nlohmann::json extra = nlohmann::json::parse(info.extra_json);
  const Normalization norm = checkpoint_normalization(extra);
  const auto names = class_names(extra.value("dataset", std::string("mnist")));
  for (const std::string& path : a.images) {
    Tensor x = model_input(path, info.input_shape, norm, a.raw);
    x.reshape({1, 1, info.input_shape[1], info.input_shape[2]});
    const Tensor& z = model->forward(x);
    if (z.dimension() != 2 || z.shape(1) != names.size())
      throw std::runtime_error(a.checkpoint + ": model outputs " + shape_str(z.shape()) + ", not 10 class scores");
    SoftmaxCrossEntropy sm;
    sm.forward(z, {0});
    const Tensor& p = sm.probabilities();
    std::size_t best = 0;
    for (std::size_t k = 1; k < names.size(); ++k)
      if (p(0, k) > p(0, best)) best = k;
    std::printf("%s: %s (%.1f%%)\n ", path.c_str(), names[best].c_str(), 100.0 * p(0, best));
    for (std::size_t k = 0; k < names.size(); ++k) std::printf(" %s:%.3f", names[k].c_str(), static_cast<double>(p(0, k)));
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace

void add_predict_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "classify images with a checkpoint (grayscale; light backgrounds inverted; the digit cropped, fitted to 20x20 "
      "and centred by its centre of mass, as MNIST was made)");
  cmd->add_option("checkpoint", args->checkpoint, "model.npz written by minicnn train")->required();
  cmd->add_option("images", args->images, "PNG, JPEG, BMP, ... files")->required();
  cmd->add_flag("--raw", args->raw, "only resize to the model's input size: no inversion, cropping or centring");
  command.register_run(cmd, [args](const std::string&) { return run(*args); });
}

}  // namespace minicnn::cli
