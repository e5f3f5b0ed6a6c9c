// minicnn eval: accuracy, per-class accuracy and the confusion matrix of a checkpoint on the test set.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn::cli {

namespace {

struct EvalArgs {
  std::string checkpoint;
  DatasetChoice data;
  std::size_t limit = 0;
  bool limit_given = false;
  int threads = 0;
};

int run(const EvalArgs& a, CLI::App& cmd) {
  set_num_threads(a.threads > 0 ? a.threads : default_threads());
  CheckpointInfo info;
  auto model = load_model(a.checkpoint, &info);
  const nlohmann::json extra = nlohmann::json::parse(info.extra_json);
  DatasetChoice dc = a.data;
  if (!cmd.count("--dataset") && extra.contains("dataset")) dc.name = extra["dataset"].get<std::string>();
  const Normalization norm = checkpoint_normalization(extra);
  // By default, the same test images as training evaluated on, so the numbers agree exactly.
  std::size_t limit = a.limit;
  if (!cmd.count("--limit") && extra.contains("training")) limit = extra["training"].value("test_limit", std::size_t(0));
  const std::string dir = dataset_dir(dc);
  Dataset test = load_mnist(dir, "test");
  truncate(test, limit);
  if (Shape{1, test.rows, test.cols} != info.input_shape)
    throw std::runtime_error(a.checkpoint + ": expects inputs " + shape_str(info.input_shape) + " but " + dir +
                             " holds " + shape_str(Shape{1, test.rows, test.cols}));
  const EvalResult r = evaluate(*model, test, norm, extra.value("eval_batch_size", std::size_t(1000)));
  const auto names = class_names(dc.name);

  std::printf("%s on %s (%zu test images)\n", a.checkpoint.c_str(), dir.c_str(), r.total);
  std::printf("test accuracy %.2f%% (%zu/%zu), loss %.4f\n\n", 100 * r.accuracy(), r.correct, r.total, r.loss);
  std::printf("%-12s %8s %8s\n", "class", "accuracy", "images");
  for (std::size_t c = 0; c < r.confusion.size(); ++c) {
    std::size_t n = 0;
    for (const std::size_t v : r.confusion[c]) n += v;
    std::printf("%-12s %7.2f%% %8zu\n", names[c].c_str(), n ? 100.0 * r.confusion[c][c] / n : 0.0, n);
  }
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%12s", "");
  for (std::size_t c = 0; c < r.confusion.size(); ++c) std::printf(" %5zu", c);
  std::printf("\n");
  for (std::size_t t = 0; t < r.confusion.size(); ++t) {
    const std::string label = names[t] == std::to_string(t) ? names[t] : std::to_string(t) + " " + names[t];
    std::printf("%-12s", label.substr(0, 12).c_str());
    for (const std::size_t v : r.confusion[t]) std::printf(" %5zu", v);
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint on the test set: accuracy, per class, confusion matrix");
  cmd->add_option("checkpoint", args->checkpoint, "model.npz written by minicnn train")->required();
  add_dataset_options(*cmd, args->data);
  cmd->add_option("--limit", args->limit, "first N test images (default: as in training)");
  cmd->add_option("--threads", args->threads, "threads (default: all cores)");
  command.register_run(cmd, [args, cmd](const std::string&) { return run(*args, *cmd); });
}

}  // namespace minicnn::cli
