#pragma once
// Private to the minicnn tool: each subcommand adds itself to the app and says how to run.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace minicnn::cli {

class Command {
 public:
  using Run = std::function<int(const std::string& command_line)>;
  void register_run(CLI::App* sub, Run run) { runs_.emplace_back(sub, std::move(run)); }
  // Runs the subcommand the user chose; returns its exit code.
  int run_parsed(const std::string& command_line) const {
    for (const auto& [sub, run] : runs_)
      if (sub->parsed()) return run(command_line);
    return 2;
  }

 private:
  std::vector<std::pair<CLI::App*, Run>> runs_;
};

void add_train_command(CLI::App& app, Command& command);
void add_eval_command(CLI::App& app, Command& command);
void add_predict_command(CLI::App& app, Command& command);
void add_picture_commands(CLI::App& app, Command& command);  // filters, kernels, featuremaps, analyze
void add_compare_commands(CLI::App& app, Command& command);  // compare
void add_datasets_commands(CLI::App& app, Command& command);  // datasets make-shapes, datasets export
void add_model_commands(CLI::App& app, Command& command);    // models, summary
void add_info_command(CLI::App& app, Command& command);      // info
// For info --model: each Conv2d's path, name and the algorithm it runs (a forward of one zero
// image finds out), one line each. input_text as summary's --input ("" for a preset's own).
std::string conv_algorithms(const std::string& model, const std::string& input_text);
void add_report_command(CLI::App& app, Command& command);    // report
void add_serve_command(CLI::App& app, Command& command);     // serve
void add_export_command(CLI::App& app, Command& command);    // ONNX out
void add_import_command(CLI::App& app, Command& command);    // ONNX in
void add_features_command(CLI::App& app, Command& command);  // what channels respond to
void add_explain_command(CLI::App& app, Command& command);   // why the network answered

}  // namespace minicnn::cli
