// minicnn report: rebuilds a run folder's report.html (and report.md) from what the folder holds:
// metrics.csv, the checkpoint (its per-batch losses and learning rates, the first layer's kernels
// after every epoch, its settings) and the test set. `minicnn train` writes the same report at the
// end of every run; this also makes one for runs made before reports existed.
#include "report_command.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/explain/report_section.hpp"
#include "minicnn/train/run_report.hpp"
#include "minicnn/train/run_record.hpp"

namespace minicnn::cli {

namespace {

// A setting's value as a person writes it: a float in the fewest digits that give it back
// exactly ("0.05", not 0.05000000074505806), so the reproducing command trains the same bytes.
std::string text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_number_float()) return v.dump();
  const auto f = static_cast<float>(v.get<double>());
  char b[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(b, sizeof b, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(b, nullptr) == f) break;
  }
  return b;
}

// The per-epoch numbers: metrics.csv, or for a folder without one the checkpoint's history (no timings).
std::vector<EpochMetrics> epoch_rows(const std::string& dir, const RunRecord& record, RunReportInput& run) {
  std::vector<EpochMetrics> rows = read_metrics_csv(dir + "/metrics.csv");
  if (!rows.empty() || !record.history) return rows;
  run.notes.push_back("There is no metrics.csv: the numbers per epoch come from the checkpoint, which keeps no timings.");
  return *record.history;
}

// The command that trains the same model again: every stored setting that differs from the
// default, and always the ones reproducibility rests on (epochs, seed, threads).
std::string reproduce_command(const std::string& program, const std::string& model, const std::string& dir,
                              const RunRecord& record, const nlohmann::json& t) {
  const std::string &dataset = record.dataset, &data = record.data;
  std::string c = program + " train --model " + shell_quote(model) + " --dataset " + dataset;
  if (!data.empty() && data != "data/" + dataset) c += " --data " + shell_quote(data);
  const RunSettings defaults;
  for (const auto& info : run_settings_table()) {
    if (!info.stored || !t.contains(info.key)) continue;
    const std::string key = info.key;
    std::visit(
        [&](auto m) {
          using T = std::decay_t<decltype(defaults.*m)>;
          const T v = t[info.key].get<T>();
          if (v == defaults.*m && key != "epochs" && key != "seed" && key != "threads") return;
          if constexpr (std::is_same_v<T, bool>) c += v ? std::string(" ") + info.flag : "";
          else c += std::string(" ") + info.flag + " " + shell_quote(text(t[info.key]));
        },
        info.member);
  }
  if (record.norm.empty()) c += " --no-normalize";
  return c + " --out " + shell_quote(dir + "-again");
}

std::vector<std::pair<std::string, std::string>> settings_rows(const RunRecord& record, const nlohmann::json& t,
                                                                const std::string& spec, const Normalization& norm) {
  std::vector<std::pair<std::string, std::string>> rows{{"model", spec}, {"dataset", record.dataset + " (" + record.data + ")"}};
  for (const auto& info : run_settings_table())
    if (info.stored && t.contains(info.key)) rows.emplace_back(info.flag, text(t[info.key]).empty() ? "(none)" : text(t[info.key]));
  rows.emplace_back("inputs", norm.empty() ? "not normalised" : "normalised: " + norm.str());
  return rows;
}

// The settings the checkpoint holds, as JSON: what the report lists and the reproducing command sets.
nlohmann::json stored_settings(const RunRecord& record) {
  if (!record.has_settings) return nlohmann::json::object();
  nlohmann::json t = settings_to_json(record.settings);
  for (const auto& key : record.settings_missing) t.erase(key);
  return t;
}

RunReportInput read_run(const std::string& dir, const std::string& program, const CheckpointFile& file, Sequential& model,
                        const Normalization& norm) {
  const RunRecord record = read_run_record(file.info);
  const nlohmann::json t = stored_settings(record);
  nlohmann::json config;
  if (std::ifstream in(dir + "/config.json"); in) config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const std::string preset = config.is_object() ? config.value("model", std::string()) : "";
  std::string model_word = file.info.spec;  // the preset's name when the spec is still what it expands to
  try {
    if (!preset.empty() && expand_preset(preset, record.classes.size()) == file.info.spec) model_word = preset;
  } catch (const std::exception&) {  // a name that is no preset (any more): the spec says it all
  }
  RunReportInput run;
  run.title = dir;
  run.about = (model_word == file.info.spec ? "A model" : model_word) + " with " + std::to_string(model.num_parameters()) +
              " parameters, trained on " + record.dataset + " (" + record.data + ")";
  run.epochs = epoch_rows(dir, record, run);
  run.batch_loss = record.batch_loss, run.batch_lr = record.batch_lr, run.kernels = record.kernel_history;
  run.batches_per_epoch = record.progress ? record.progress->batches_per_epoch : 0;
  if (run.batch_loss.empty())
    run.notes.push_back("The training loss per batch was not recorded (the run predates it): the curves show epochs only.");
  std::string conv_path;
  if (const Conv2d* conv = first_layer<Conv2d>(model, &conv_path)) {
    run.kernels_layer = "layer " + conv_path + ", " + conv->name();
    if (run.kernels.empty()) run.kernels.emplace_back(record.progress ? record.progress->epochs_done : 0, conv->weight().value);
  }
  run.settings = settings_rows(record, t, file.info.spec, norm);
  if (record.has_settings) run.command = reproduce_command(program, model_word, dir, record, t);
  return run;
}

}  // namespace

std::string write_run_report(const std::string& run_dir, const std::string& program, const Dataset* test, const std::string& data_dir,
                             Sequential* trained) {
  const std::string dir = run_dir.size() > 1 && run_dir.back() == '/' ? run_dir.substr(0, run_dir.size() - 1) : run_dir;
  if (dir.size() > 4 && dir.compare(dir.size() - 4, 4, ".npz") == 0)
    throw UsageError(dir + " is a checkpoint; give its run folder (the report goes there)");
  const std::string path = checkpoint_path(dir);
  const CheckpointFile file = read_checkpoint(path);
  std::unique_ptr<Sequential> rebuilt;
  if (!trained) {
    try {
      rebuilt = build_model(file.info.spec, file.info.input_shape);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": cannot rebuild its architecture: " + e.what());
    }
    load_into(file, path, *rebuilt);
  }
  Sequential* model = trained ? trained : rebuilt.get();
  DataRecord rec = read_data_record(file.info);
  Dataset loaded;
  if (!test) loaded = load_test_set(rec, data_dir), test = &loaded;
  if (test->sample_shape() != file.info.input_shape)
    throw std::runtime_error(path + ": expects inputs " + shape_str(file.info.input_shape) + " but its test set holds " +
                             shape_str(test->sample_shape()));
  RunReportInput run = read_run(dir, program, file, *model, rec.norm);
  run.sections.push_back(explain::what_filters_detect);
  return run_report(run, *model, file.info.input_shape, *test, rec.norm).write(dir);
}

namespace {

struct ReportArgs {
  std::string run, data;
  int threads = 0;
};

}  // namespace

void add_report_command(CLI::App& app, Command& command) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "write a run folder's report.html again (also for runs made before reports existed)");
  cmd->add_option("run", a->run, "the run folder (written by minicnn train)")->required();
  cmd->add_option("--data", a->data, "the data folder, if it has moved since training");
  add_threads_option(*cmd, a->threads);
  cmd->footer(
      "examples:\n"
      "  minicnn report runs/mnist                 curves, kernels, what the filters detect, confusion matrix, mistakes, settings\n"
      "  minicnn report runs/old --data ~/mnist    a run whose data has moved\n");
  command.register_run(cmd, [a](const std::string& cmdline) {
    use_threads(a->threads);
    const std::string html = write_run_report(a->run, program_of(cmdline), nullptr, a->data);
    std::printf("report: %s (self-contained; report.md beside it)\n", html.c_str());
    return kExitOk;
  });
}

}  // namespace minicnn::cli
