// minicnn features: what every channel of a layer responds to, shown with the test images that
// excite it most (and, with --synthesize, an input made to excite it).
#include <cstdio>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/explain/feature_files.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/top_activations.hpp"
#include "minicnn/io/checkpoint.hpp"

namespace minicnn::cli {

namespace {

struct FeaturesArgs {
  std::string run, out, data;
  std::vector<std::string> layers;
  std::size_t top = 9, limit = 0, steps = explain::SynthesisOptions{}.steps;
  bool synthesize = false;
  std::uint64_t seed = 1;
  int threads = 0;
};

// One layer's files (explain/feature_files.hpp, shared with the draw page); returns their names.
std::vector<std::string> write_layer(Sequential& model, const explain::LayerTopActivations& t, const Dataset& test,
                                     const DataRecord& rec, const Shape& input, const FeaturesArgs& a) {
  std::vector<std::string> files = explain::write_top_files(model, t, test, input, a.out);
  if (!a.synthesize) return files;
  explain::SynthesisOptions o;
  o.seed = a.seed;
  o.steps = a.steps;
  const Tensor synth = explain::synthesize_layer(model, t.layer, t.channels.size(), rec.norm, input, o);
  for (auto& f : explain::write_synth_files(model, t, synth, test, rec.norm, input, a.out)) files.push_back(std::move(f));
  return files;
}

int run(FeaturesArgs a) {
  use_threads(a.threads);
  const std::string path = checkpoint_path(a.run);
  CheckpointInfo info;
  auto model = load_model(path, &info);
  DataRecord rec = read_data_record(info);
  if (a.limit) rec.test_limit = a.limit;
  if (a.layers.empty()) a.layers = explain::conv_layer_paths(*model);
  if (a.layers.empty()) throw UsageError(path + " has no conv layer; name a layer with --layer");
  for (const auto& l : a.layers) try {
      explain::layer_at(*model, l);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--layer: ") + e.what());
    }
  for (const auto& l : a.layers) explain::receptive_field(*model, l, info.input_shape);  // a layer it cannot follow: before any work
  std::string dir;
  std::string limit_note;
  const Dataset test = load_test_set(rec, a.data, &dir, &limit_note);
  if (!limit_note.empty()) std::printf("%s\n", limit_note.c_str());
  if (test.sample_shape() != info.input_shape)
    throw std::runtime_error(path + ": expects inputs " + shape_str(info.input_shape) + " but " + dir + " holds " +
                             shape_str(test.sample_shape()));
  if (a.top == 0 || a.top > test.size())
    throw UsageError("--top: expected a whole number from 1 to " + std::to_string(test.size()) + " (the test images), got " +
                     std::to_string(a.top));
  if (a.out.empty()) a.out = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/')) + "/features";
  if (a.out == "/features") a.out = "features";
  Progress progress;
  explain::TopActivationsOptions o;
  o.k = a.top;
  o.progress = [&](std::size_t done, std::size_t total) { progress.count("test images", done, total); };
  const auto tops = explain::top_activations(*model, test, rec.norm, a.layers, o);
  progress.finish();
  make_folders(a.out);
  std::printf("%s: the %zu strongest of %zu test images (%s) per channel\n", path.c_str(), a.top, test.size(), dir.c_str());
  for (const auto& t : tops) {
    const auto files = write_layer(*model, t, test, rec, info.input_shape, a);
    std::printf("  layer %-10s %3zu channels  %s\n", t.layer.c_str(), t.channels.size(), join(files).c_str());
  }
  return kExitOk;
}

}  // namespace

void add_features_command(CLI::App& app, Command& command) {
  auto a = std::make_shared<FeaturesArgs>();
  CLI::App* cmd = app.add_subcommand("features", "what every channel of a layer responds to: its strongest test images, and inputs made to excite it");
  cmd->footer(
      "examples:\n"
      "  minicnn features runs/mnist                          every conv layer, 9 images per channel\n"
      "  minicnn features runs/mnist --layer 3 --synthesize   layer 3, with a synthesized input per channel\n"
      "  minicnn features runs/resnet --layer 4.body.0 --top 16\n"
      "writes OUT/<layer>_top.json (channel, rank, image, y, x, activation) and OUT/<layer>_top.png;\n"
      "with --synthesize also OUT/<layer>_synth.npy (channels, C, H, W; normalised inputs) and _synth.png\n");
  cmd->add_option("run", a->run, "a run folder or its model.npz")->required();
  cmd->add_option("--layer", a->layers, "a layer path such as 3 or 4.body.0 (repeatable; default: every conv layer)")
      ->delimiter(',');
  cmd->add_option("--top", a->top, "images per channel")->capture_default_str()->check(whole_number(0, 1000000000));
  cmd->add_flag("--synthesize", a->synthesize, "also make an input that excites each channel (activation maximisation)");
  cmd->add_option("--steps", a->steps, "gradient-ascent steps of --synthesize")->capture_default_str()->check(whole_number(1, 100000));
  cmd->add_option("--seed", a->seed, "the synthesized inputs' starting noise and jitter")->capture_default_str()->check(whole_number(0, 1ull << 62));
  cmd->add_option("--out", a->out, "folder to write (default: the run folder's features/)");
  cmd->add_option("--data", a->data, "the data folder (default: the one it was trained on)");
  cmd->add_option("--test-limit", a->limit, "only N test images, every class in proportion (default: as in training)")
      ->check(whole_number(1, 1000000000));
  add_hidden_alias(*cmd, "--limit", a->limit, 1, 1000000000);  // the old name of --test-limit
  add_threads_option(*cmd, a->threads);
  command.register_run(cmd, [a](const std::string&) { return run(*a); });
}

}  // namespace minicnn::cli
