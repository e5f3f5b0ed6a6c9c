// minicnn models and minicnn summary: the presets, and a model's layers with their output shapes
// and parameters for a given input, without data or training (the table train prints). Also the
// convolution algorithms of a model, for minicnn info.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/core/kernel_path.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/sequential.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/onnx.hpp"
#include "minicnn/layers/conv2d.hpp"

namespace minicnn::cli {

namespace {

std::string shape_text(const Shape& s) {
  std::string t;
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? "x" : "") + std::to_string(s[i]);
  return t;
}

// "3x32x32" -> (3, 32, 32); a UsageError naming --input otherwise.
Shape parse_input(const std::string& text) {
  const std::vector<std::string> parts = split_list(text, 'x');
  Shape s;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoul(p) == 0) break;
    s.push_back(std::stoul(p));
  }
  if (parts.size() != 3 || s.size() != 3)
    throw UsageError("--input: expected CxHxW such as 1x28x28 or 3x32x32 (whole numbers from 1), got '" + text + "'");
  return s;
}

int run_models() {
  std::printf("%-17s %10s  %-8s  %s\n", "preset", "parameters", "input", "description");
  for (const Preset& p : presets()) {
    const auto model = build_model(p.name, p.input, 10);
    std::printf("%-17s %10zu  %-8s  %s\n", p.name.c_str(), model->num_parameters(), shape_text(p.input).c_str(),
                p.description.c_str());
  }
  std::printf("\nparameters for 10 classes. Any preset trains on any image size its layers allow; the input column\n"
              "is what it was made for. Its layers: minicnn summary --model NAME --input CxHxW\n");
  return kExitOk;
}

struct SummaryArgs {
  std::string model, input;
  std::size_t classes = 10;
};

// A trained model's layers (a checkpoint, a run folder or an ONNX file): the paths
// `train --freeze-until` takes.
bool summary_of_file(const SummaryArgs& a) {
  const bool onnx = a.model.size() > 5 && a.model.compare(a.model.size() - 5, 5, ".onnx") == 0;
  if (!a.input.empty() || !path_exists(a.model)) return false;
  if (onnx) {
    const OnnxImport m = import_onnx(a.model);
    std::printf("%s for input %s\n%s", a.model.c_str(), shape_text(m.input_shape).c_str(), m.model->summary(m.input_shape).c_str());
    return true;
  }
  CheckpointInfo info;
  const auto model = load_model(checkpoint_path(a.model), &info);
  std::printf("%s for input %s\n%s", a.model.c_str(), shape_text(info.input_shape).c_str(), model->summary(info.input_shape).c_str());
  return true;
}

// --input, or a preset's own input.
Shape model_input(const SummaryArgs& a) {
  Shape input;
  if (!a.input.empty()) {
    input = parse_input(a.input);
  } else {
    for (const Preset& p : presets())
      if (p.name == trim(a.model)) input = p.input;
    if (input.empty() && a.model.find_first_of(", ") == std::string::npos)
      build_model(a.model, {1, 28, 28}, a.classes);  // one word, no preset: "unknown model 'lenet'; did you mean ..."
    if (input.empty()) throw UsageError("--input: give the input shape (CxHxW, such as 1x28x28) for a spec");
  }
  return input;
}

int run_summary(const SummaryArgs& a) {
  if (summary_of_file(a)) return kExitOk;
  const Shape input = model_input(a);
  const auto model = build_model(a.model, input, a.classes);
  std::printf("%s for input %s, %zu classes\n%s", trim(a.model).c_str(), shape_text(input).c_str(), a.classes,
              model->summary(input).c_str());
  return kExitOk;
}

}  // namespace

std::string conv_algorithms(const std::string& model_name, const std::string& input_text) {
  const Shape input = model_input({model_name, input_text, 10});
  const auto model = build_model(model_name, input, 10);
  std::vector<std::pair<std::string, Conv2d*>> convs;
  for (auto& [path, layer] : named_layers(*model))
    if (auto* conv = dynamic_cast<Conv2d*>(layer)) convs.emplace_back(path, conv);
  if (convs.empty()) return trim(model_name) + " has no convolutions\n";
  {
    TrainingModeGuard eval(*model, false);
    Shape batch{1};
    batch.insert(batch.end(), input.begin(), input.end());
    model->forward(Tensor(xt::zeros<float>(batch)));
  }
  std::string text = "convolutions of " + trim(model_name) + " for input " + shape_text(input) + ":\n";
  for (const auto& [path, conv] : convs) text += "  " + path + "  " + conv->name() + "  " + conv->algorithm() + "\n";
  return text;
}

void add_model_commands(CLI::App& app, Command& command) {
  CLI::App* models = app.add_subcommand("models", "list the model presets: description, parameters, the input they are made for");
  models->footer(
      "examples:\n"
      "  minicnn models                                   every preset\n"
      "  minicnn summary --model resnet-mini-gray         its layers, output shapes and parameters\n"
      "  minicnn train --model small --out runs/small     train one\n");
  command.register_run(models, [](const std::string&) { return run_models(); });

  auto a = std::make_shared<SummaryArgs>();
  CLI::App* summary = app.add_subcommand(
      "summary", "print a model's layers, output shapes and parameter counts for an input, without data or training");
  summary->add_option("--model", a->model,
                      "a preset (see 'minicnn models'), a spec such as \"conv 6 5, relu, flatten, linear 10\", or a trained "
                      "model: a checkpoint, a run folder or an .onnx file (its input is its own)")
      ->required();
  summary->add_option("--input", a->input, "the input shape CxHxW, such as 1x28x28 or 3x32x32 (default: a preset's own)");
  summary->add_option("--classes", a->classes, "classes: the outputs of a preset's last layer")
      ->check(whole_number(1, 1000000))
      ->capture_default_str();
  summary->footer(
      "examples:\n"
      "  minicnn summary --model lenet5                                  for 1x28x28 digits, 10 classes\n"
      "  minicnn summary --model convnet-rgb --input 3x64x64 --classes 4\n"
      "  minicnn summary --model \"conv 8 3 pad=1, relu, maxpool 2, flatten, linear 10\" --input 1x28x28\n"
      "  minicnn summary --model resnet18.npz                            a trained model's layer paths (train --freeze-until)\n");
  command.register_run(summary, [a](const std::string&) { return run_summary(*a); });
}

}  // namespace minicnn::cli
