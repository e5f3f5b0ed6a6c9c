// minicnn import: an ONNX model (from torch.onnx.export, or minicnn export) as a minicnn checkpoint
// that eval, predict, the picture commands and `train --resume` (fine-tuning) read like one that
// minicnn train wrote. Its metadata says what data the model takes: the dataset (--dataset, or the
// file's "dataset" metadata, or MNIST for 28x28 grey inputs), the class names and the input
// normalisation found in the graph.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/onnx.hpp"
#include "minicnn/train/run_record.hpp"

namespace minicnn::cli {

namespace {

struct ImportArgs {
  std::string onnx, out, dataset = "auto", data, classes;
  bool force = false;
};

bool is_dataset(const std::string& s) { return s == "mnist" || s == "fashion-mnist" || s == "folder" || s == "cifar10"; }

// The class names for the terminal: all of a few, the first and last of many (ImageNet's 1000).
std::string classes_text(const std::vector<std::string>& names) {
  if (names.size() <= 12) return join(names);
  return join(std::vector<std::string>(names.begin(), names.begin() + 5)) + ", ..., " +
         join(std::vector<std::string>(names.end() - 2, names.end()));
}

// The class names: --classes, the file's metadata, the dataset's own, or "0", "1", ...
std::vector<std::string> class_names(const ImportArgs& a, const OnnxImport& m, const std::string& dataset, std::size_t K) {
  std::vector<std::string> names;
  if (!a.classes.empty()) {
    names = split_list(a.classes);
    if (names.size() != K)
      throw UsageError("--classes names " + std::to_string(names.size()) + " classes, but the model outputs " +
                       std::to_string(K) + " scores");
    return names;
  }
  if (m.classes.size() == K) return m.classes;
  if ((dataset == "mnist" || dataset == "fashion-mnist") && K == 10) return idx_classes(dataset);
  for (std::size_t k = 0; k < K; ++k) names.push_back(std::to_string(k));
  return names;
}

// The run record of a run that has trained 0 epochs, with the settings minicnn train would
// choose for this data, so `train --resume` fine-tunes it.
RunRecord record_of(const ImportArgs& a, const OnnxImport& m, const std::string& dataset, std::vector<std::string> classes) {
  RunRecord r;
  r.dataset = dataset, r.data = a.data, r.norm = Normalization{m.mean, m.std}, r.classes = std::move(classes);
  r.eval_batch_size = 1000;
  r.has_settings = true;
  r.settings.dataset = dataset;
  r.settings.data = a.data;
  if (m.input_shape.size() == 3) {  // images (C, H, W); an MLP on flat vectors (F) keeps the defaults
    r.settings.channels = m.input_shape[0];
    r.settings.image_size = std::to_string(m.input_shape[1]) + "x" + std::to_string(m.input_shape[2]);
  }
  apply_data_defaults(r.settings, format_of_dataset(dataset), m.input_shape, /*lr_given=*/false);
  r.progress = TrainingProgress{};
  r.history.emplace();
  r.imported_from = ImportSource{a.onnx, m.producer, m.opset};
  return r;
}

int run(const ImportArgs& a, const std::string& cmdline) {
  if (!onnx_available()) throw std::runtime_error(onnx_missing_message());  // before anything is read or written
  if (path_exists(a.out) && !a.force) throw UsageError(a.out + " already exists; choose another --out, or pass --force to replace it");
  OnnxImport m = import_onnx(a.onnx);
  // Shapes only (Layer::output_shape): no activation is computed, so the import holds the weights.
  const Shape out_shape = sample_output_shape(*m.model, m.input_shape);
  // A model that ends in a Conv or a ReLU outputs feature maps: it has no classes, predict says so,
  // and the picture commands (features, featuremaps, kernels) look inside it.
  const bool feature_maps = out_shape.size() != 1;
  if (feature_maps && !a.classes.empty())
    throw UsageError("--classes: the model outputs feature maps " + shape_str(out_shape) + " per image, not class scores");
  const auto meta = m.metadata.find("dataset");
  const std::string dataset = a.dataset != "auto" ? a.dataset
                              : meta != m.metadata.end() && is_dataset(meta->second) ? meta->second
                              : m.input_shape == Shape{1, 28, 28} ? "mnist" : "folder";
  const std::vector<std::string> classes = feature_maps ? std::vector<std::string>{} : class_names(a, m, dataset, out_shape[0]);
  const RunRecord record = record_of(a, m, dataset, classes);
  const Normalization& norm = record.norm;
  CheckpointInfo info;
  info.spec = m.spec;
  info.input_shape = m.input_shape;
  record.write_to(info);
  // No optimiser state: it would be zeros (twice the weights' bytes for Adam), and `train --resume`
  // starts a fresh optimiser for a model trained 0 steps.
  make_parent_folders(a.out);
  save_checkpoint(a.out, *m.model, info);

  std::printf("%s (%s, opset %d) -> %s\n%s", a.onnx.c_str(), m.producer.empty() ? "unknown producer" : m.producer.c_str(),
              m.opset, a.out.c_str(), m.model->summary(m.input_shape).c_str());
  std::printf("inputs: %s\n", norm.empty() ? "as they are (no normalisation in the graph)" : ("normalised " + norm.str()).c_str());
  if (feature_maps)
    std::printf("data: %s%s; the model outputs feature maps %s per image, not class scores\n", dataset.c_str(),
                a.data.empty() ? "" : (" in " + a.data).c_str(), shape_str(out_shape).c_str());
  else
    std::printf("data: %s%s, %zu classes: %s\n", dataset.c_str(), a.data.empty() ? "" : (" in " + a.data).c_str(),
                classes.size(), classes_text(classes).c_str());
  for (const auto& note : m.notes) std::printf("note: %s\n", note.c_str());
  const std::string p = program_of(cmdline), q = shell_quote(a.out);
  if (feature_maps) {
    std::printf("look inside it: %s featuremaps %s IMAGE\n", p.c_str(), q.c_str());
    return kExitOk;
  }
  const bool own_data = dataset == "folder" || dataset == "cifar10";
  std::printf("evaluate it: %s eval %s%s\n", p.c_str(), q.c_str(), own_data ? " --data DIR" : "");
  if (!own_data)  // the dataset it was made for: train on
    std::printf("fine-tune it: %s train --resume %s --epochs 1 --out runs/fine-tuned\n", p.c_str(), q.c_str());
  std::printf("fine-tune it on your own images: %s train --from %s --data DIR --freeze-until PATH (a new head for DIR's "
              "classes; PATH from '%s summary --model %s'; README: Famous networks)\n",
              p.c_str(), q.c_str(), p.c_str(), q.c_str());
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import", "read an ONNX model (torch.onnx.export's, or minicnn export's) into a checkpoint for eval, predict, "
                "kernels and train --resume");
  cmd->add_option("model", args->onnx, "the .onnx file")->required();
  cmd->add_option("--out", args->out, "the checkpoint to write (model.npz)")->required();
  cmd->add_option("--dataset", args->dataset,
                  "what it was trained on (auto: the file's metadata, else mnist for 28x28 grey inputs, else folder)")
      ->check(one_of({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}));
  cmd->add_option("--data", args->data, "the data folder, for eval and fine-tuning (default: the dataset's own)");
  cmd->add_option("--classes", args->classes, "class names, comma-separated (default: the file's metadata, or the dataset's)");
  cmd->add_flag("--force", args->force, "replace --out if it exists");
  cmd->footer(
      "examples:\n"
      "  minicnn import lenet5.onnx --out runs/imported.npz                          an MNIST model\n"
      "  minicnn import net.onnx --out net.npz --dataset folder --data photos --classes cat,dog\n");
  command.register_run(cmd, [args](const std::string& cmdline) { return run(*args, cmdline); });
}

}  // namespace minicnn::cli
