// minicnn eval: accuracy, per-class accuracy and the confusion matrix of a checkpoint on its test set.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/train/run_record.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn::cli {

namespace {

struct EvalArgs {
  std::string checkpoint, dataset = "auto", data;
  std::size_t limit = 0;
  int threads = 0;
};

void print_confusion(const EvalResult& r, const std::vector<std::string>& names) {
  std::printf("%-16s %8s %8s\n", "class", "accuracy", "images");
  for (std::size_t c = 0; c < r.confusion.size(); ++c) {
    std::size_t n = 0;
    for (const std::size_t v : r.confusion[c]) n += v;
    const std::string label = names[c] == std::to_string(c) ? names[c] : std::to_string(c) + " " + names[c];
    std::printf("%-16s %7.2f%% %8zu\n", label.substr(0, 16).c_str(), n ? 100.0 * r.confusion[c][c] / n : 0.0, n);
  }
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%16s", "");
  for (std::size_t c = 0; c < r.confusion.size(); ++c) std::printf(" %5zu", c);
  std::printf("\n");
  for (std::size_t t = 0; t < r.confusion.size(); ++t) {
    const std::string label = names[t] == std::to_string(t) ? names[t] : std::to_string(t) + " " + names[t];
    std::printf("%-16s", label.substr(0, 16).c_str());
    for (const std::size_t v : r.confusion[t]) std::printf(" %5zu", v);
    std::printf("\n");
  }
}

int run(const EvalArgs& a, const CLI::App& cmd) {
  use_threads(a.threads);
  const std::string path = checkpoint_path(a.checkpoint);
  CheckpointInfo info;
  auto model = load_model(path, &info);
  const RunRecord record = read_run_record(info);
  DataRecord rec = data_record(record, info.input_shape);
  if (cmd.count("--test-limit") || cmd.count("--limit")) rec.test_limit = a.limit;  // by default, the test images training reported on
  if (cmd.count("--dataset") && a.dataset != rec.dataset) {
    std::fprintf(stderr, "warning: %s was trained on %s; evaluating it on %s\n", path.c_str(), rec.dataset.c_str(),
                 a.dataset.c_str());
    rec.dataset = a.dataset, rec.dir.clear();
  }
  std::string dir;
  std::string limit_note;
  Dataset test = load_test_set(rec, a.data, &dir, &limit_note);
  if (!limit_note.empty()) std::printf("%s\n", limit_note.c_str());
  if (test.sample_shape() != info.input_shape)
    throw std::runtime_error(path + ": expects inputs " + shape_str(info.input_shape) + " but " + dir + " holds " +
                             shape_str(test.sample_shape()));
  if (test.classes != rec.classes)
    std::fprintf(stderr, "warning: %s holds classes (%s) but %s was trained on (%s)\n", dir.c_str(), join(test.classes).c_str(),
                 path.c_str(), join(rec.classes).c_str());
  const EvalResult r = evaluate(*model, test, rec.norm, EvalOptions().batch_size(record.eval_batch_size));
  std::printf("%s on %s (%zu test images)\n", path.c_str(), dir.c_str(), r.total);
  std::printf("test accuracy %.2f%% (%zu/%zu), loss %.4f\n\n", 100 * r.accuracy(), r.correct, r.total, r.loss);
  print_confusion(r, test.classes);
  return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint on its test set: accuracy, per class, confusion matrix");
  cmd->footer(
      "examples:\n"
      "  minicnn eval runs/mnist                            on the test set it was trained with\n"
      "  minicnn eval runs/mnist/checkpoints/epoch_1.npz    an earlier epoch\n"
      "  minicnn eval runs/mnist --test-limit 1000          1000 test images, every class in proportion\n"
  );
  cmd->add_option("checkpoint", args->checkpoint, "model.npz written by minicnn train, or its run folder")->required();
  cmd->add_option("--dataset", args->dataset, "evaluate on another dataset than the one it was trained on")
      ->check(one_of({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}));
  cmd->add_option("--data", args->data, "the data folder (default: the one it was trained on)");
  cmd->add_option("--test-limit", args->limit,
                  "test on N images only (default: as in training; 0: all): every class in proportion, the same images as "
                  "train --test-limit N")
      ->check(whole_number(0, 1000000000));
  add_hidden_alias(*cmd, "--limit", args->limit, 0, 1000000000);  // the old name of --test-limit
  add_threads_option(*cmd, args->threads);
  command.register_run(cmd, [args, cmd](const std::string&) { return run(*args, *cmd); });
}

}  // namespace minicnn::cli
