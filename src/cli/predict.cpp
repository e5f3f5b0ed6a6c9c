// minicnn predict: the class and probabilities a checkpoint gives any image, with a warning when
// the image does not look like what the model was trained on.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <numeric>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/loss/softmax_cross_entropy.hpp"

namespace minicnn::cli {

namespace {

struct PredictArgs {
  std::string checkpoint;
  std::vector<std::string> images;
  bool raw = false, json = false;
  std::size_t top = 0;
};

struct Prediction {
  std::string image, error;
  std::vector<float> logits, probabilities;
  std::vector<std::size_t> ranked;  // class indices, most likely first
  std::vector<std::string> warnings;
};

// Why an input may not be what the model knows: no ink at all (a blank digit), or brightness,
// contrast or mid-tones far outside the training images' (a photo given to a digit model: more
// than 4 standard deviations from their mean). The training images' statistics are in the
// checkpoint ("image_stats"); older checkpoints skip this check.
void check_input(const Image& seen, const DataRecord& data, const std::optional<ImageStats>& stats, Prediction& p) {
  const auto& px = seen.pixels;
  if (data.digit_like() && *std::max_element(px.begin(), px.end()) < 64) {
    p.warnings.push_back("no ink found: the image is blank after preparation, so the answer is a guess");
    return;
  }
  if (!stats) return;
  double v[3];
  image_numbers(px.data(), px.size(), v[0], v[1], v[2]);
  const char* what[3] = {"brightness", "contrast", "share of mid-tones"};
  const double means[3] = {stats->mean_mean, stats->std_mean, stats->mid_mean}, sds[3] = {stats->mean_std, stats->std_std, stats->mid_std};
  for (int i = 0; i < 3; ++i) {
    const double m = means[i], sd = sds[i];
    if (std::abs(v[i] - m) <= 4 * std::max(sd, 1e-3)) continue;
    char b[256];
    std::snprintf(b, sizeof b,
                  "this image does not look like the training data (its %s is %.2f; the training images' is %.2f +- %.2f): "
                  "the answer may mean little",
                  what[i], v[i], m, sd);
    p.warnings.push_back(b);
    return;
  }
}

Prediction predict_one(Sequential& model, const CheckpointInfo& info, const DataRecord& data, const std::optional<ImageStats>& stats,
                       const std::string& path, bool raw) {
  Prediction p;
  p.image = path;
  try {
    Image seen;
    Tensor x = model_input(path, info.input_shape, data, raw, &seen);
    Shape batch{1};
    batch.insert(batch.end(), info.input_shape.begin(), info.input_shape.end());
    x.reshape(batch);
    const Tensor& z = model.forward(x);
    if (z.dimension() != 2 || z.shape(1) != data.classes.size())
      throw std::runtime_error("the model outputs " + shape_str(z.shape()) + ", not " + std::to_string(data.classes.size()) +
                               " class scores");
    SoftmaxCrossEntropy sm;
    sm.forward(z, {0});
    p.logits.assign(z.begin(), z.end());
    p.probabilities.assign(sm.probabilities().begin(), sm.probabilities().end());
    p.ranked.resize(p.probabilities.size());
    std::iota(p.ranked.begin(), p.ranked.end(), 0);
    std::stable_sort(p.ranked.begin(), p.ranked.end(), [&](auto a, auto b) { return p.probabilities[a] > p.probabilities[b]; });
    check_input(seen, data, stats, p);
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  return p;
}

void print_text(const Prediction& p, const std::vector<std::string>& names, std::size_t top) {
  if (!p.error.empty()) {
    std::fprintf(stderr, "minicnn predict: error: %s\n", p.error.c_str());
    return;
  }
  const std::size_t best = p.ranked[0];
  std::printf("%s: %s (%.1f%%)\n ", p.image.c_str(), names[best].c_str(), 100.0 * p.probabilities[best]);
  for (std::size_t i = 0; i < std::min(top, p.ranked.size()); ++i)
    std::printf(" %s:%.3f", names[p.ranked[i]].c_str(), static_cast<double>(p.probabilities[p.ranked[i]]));
  std::printf("\n");
  for (const auto& w : p.warnings) std::printf("  warning: %s\n", w.c_str());
}

nlohmann::json to_json(const Prediction& p, const std::vector<std::string>& names, std::size_t top) {
  if (!p.error.empty()) return {{"image", p.image}, {"error", p.error}};
  nlohmann::json ranked = nlohmann::json::array();
  for (std::size_t i = 0; i < std::min(top, p.ranked.size()); ++i)
    ranked.push_back({{"class", names[p.ranked[i]]}, {"index", p.ranked[i]}, {"probability", p.probabilities[p.ranked[i]]}});
  return {{"image", p.image},           {"class", names[p.ranked[0]]}, {"index", p.ranked[0]},
          {"top", ranked},              {"logits", p.logits},          {"probabilities", p.probabilities},
          {"warnings", p.warnings}};
}

int run(const PredictArgs& a) {
  const std::string path = checkpoint_path(a.checkpoint);
  CheckpointInfo info;
  auto model = load_model(path, &info);
  model->eval();
  const RunRecord record = read_run_record(info);
  const DataRecord data = data_record(record);
  if (const Shape out = sample_output_shape(*model, info.input_shape); out.size() != 1 || data.classes.empty())
    throw std::runtime_error(path + ": the model outputs feature maps " + shape_str(out) +
                             " per image, not class scores; look at them with minicnn featuremaps " + shell_quote(a.checkpoint) + " IMAGE");
  const std::optional<ImageStats>& stats = record.image_stats;
  const std::size_t top = a.top ? a.top : (data.classes.size() <= 10 ? data.classes.size() : 5);
  nlohmann::json all = nlohmann::json::array();
  std::size_t failed = 0;
  for (const std::string& image : a.images) {
    const Prediction p = predict_one(*model, info, data, stats, image, a.raw);
    failed += !p.error.empty();
    if (a.json) all.push_back(to_json(p, data.classes, top));
    else print_text(p, data.classes, top);
  }
  if (a.json) std::printf("%s\n", all.dump(1).c_str());
  if (failed && !a.json) std::fprintf(stderr, "minicnn predict: %zu of %zu images could not be read\n", failed, a.images.size());
  return failed ? kExitError : kExitOk;
}

}  // namespace

void add_predict_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "classify images with a checkpoint: for MNIST-like models the digit is prepared as MNIST was made (grey, light "
      "backgrounds inverted, cropped, fitted to 20x20 and centred by its centre of mass); other models resize");
  cmd->add_option("checkpoint", args->checkpoint, "model.npz written by minicnn train, or its run folder")->required();
  cmd->add_option("images", args->images, "PNG, JPEG, BMP, ... files")->required();
  cmd->add_flag("--raw", args->raw, "only resize to the model's input size: no inversion, cropping or centring");
  cmd->add_option("--top", args->top, "how many classes to list (default: all up to 10, else 5)")->check(whole_number(1, 100000));
  cmd->add_flag("--json", args->json, "print a JSON array: class, top classes, logits and probabilities per image");
  cmd->footer(
      "examples:\n"
      "  minicnn predict runs/mnist my_digit.png             class and probabilities\n"
      "  minicnn predict runs/photos a.jpg b.jpg --top 3     several images, the three likeliest classes\n"
      "  minicnn predict runs/mnist digit.png --json         for scripts: logits and probabilities\n"
  );
  command.register_run(cmd, [args](const std::string&) { return run(*args); });
}

}  // namespace minicnn::cli
