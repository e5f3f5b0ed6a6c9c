// minicnn export: a checkpoint as an ONNX file, for onnxruntime, Netron, OpenCV's dnn module or a
// browser. The file takes raw pixels in [0, 1]: the normalisation the model was trained with is in
// the graph (io/onnx.hpp).
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/onnx.hpp"

namespace minicnn::cli {

namespace {

struct ExportArgs {
  std::string checkpoint, out;
  bool softmax = false, force = false;
};

int run(const ExportArgs& a, const std::string& cmdline) {
  if (!onnx_available()) throw std::runtime_error(onnx_missing_message());  // before anything is read or written
  const std::string path = checkpoint_path(a.checkpoint);
  if (path_exists(a.out) && !a.force) throw UsageError(a.out + " already exists; choose another --out, or pass --force to replace it");
  CheckpointInfo info;
  auto model = load_model(path, &info);
  const DataRecord data = read_data_record(info);
  OnnxExportOptions o;
  o.mean = data.norm.mean;
  o.std = data.norm.std;
  o.classes = data.classes;
  o.softmax = a.softmax;
  o.dataset = data.dataset;
  make_parent_folders(a.out);
  try {
    export_onnx(*model, info.input_shape, a.out, o);
  } catch (const std::invalid_argument& e) {  // a layer with no ONNX operator: the checkpoint's model cannot go
    throw std::runtime_error(path + ": " + e.what());
  }
  const std::string out = a.softmax ? "probabilities" : "logits";
  std::printf("%s -> %s (ONNX opset %d)\n", path.c_str(), a.out.c_str(), kOnnxOpset);
  std::printf("  input  'input' (N, %s: raw pixels in [0, 1]%s\n", shape_str(info.input_shape).substr(1).c_str(),
              data.norm.empty() ? "" : ("; the graph normalises them, " + data.norm.str()).c_str());
  std::printf("  output '%s' (N, %zu): %s\n", out.c_str(), data.classes.size(), join(data.classes).c_str());
  std::printf("  layers: %s\n", info.spec.c_str());
  std::printf("look at it in Netron (https://netron.app), or run it with onnxruntime (README: \"Export and import\");\n"
              "back into minicnn: %s import %s --out model.npz\n",
              program_of(cmdline).c_str(), shell_quote(a.out).c_str());
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a checkpoint as an ONNX model (opset 13) that takes raw pixels in [0, 1], for onnxruntime, Netron, ...");
  cmd->add_option("checkpoint", args->checkpoint, "model.npz written by minicnn train, or its run folder")->required();
  cmd->add_option("--out", args->out, "the .onnx file to write")->required();
  cmd->add_flag("--softmax", args->softmax, "end with a Softmax: output class probabilities instead of logits");
  cmd->add_flag("--force", args->force, "replace --out if it exists");
  cmd->footer(
      "examples:\n"
      "  minicnn export runs/mnist --out lenet5.onnx                logits, the normalisation inside\n"
      "  minicnn export runs/mnist --out lenet5.onnx --softmax      probabilities\n");
  command.register_run(cmd, [args](const std::string& cmdline) { return run(*args, cmdline); });
}

}  // namespace minicnn::cli
