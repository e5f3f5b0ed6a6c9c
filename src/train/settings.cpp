#include "minicnn/train/settings.hpp"

#include <cstdio>
#include <cstdlib>

#include "minicnn/core/threads.hpp"
#include "minicnn/optim/adam.hpp"
#include "minicnn/optim/sgd.hpp"
#include "minicnn/train/errors.hpp"

namespace minicnn {

namespace {

// A learning rate as the help text writes it: "0.05", "1e-3".
std::string rate_text(float v) {
  char b[32];
  std::snprintf(b, sizeof b, v < 0.01f ? "%.0e" : "%g", static_cast<double>(v));
  std::string t = b;
  const auto e = t.find("e-0");
  return e == std::string::npos ? t : t.erase(e + 2, 1);  // "1e-03" -> "1e-3"
}

// What data, and how it is read.
std::vector<SettingInfo> data_rows() {
  using S = RunSettings;
  using I = SettingInfo;
  return {
      I("model", "--model", &S::model,
        "a preset (auto picks lenet5 for 28x28 MNIST-format data, convnet-rgb for the rest; see 'minicnn models') or a "
        "spec such as \"conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10\"")
          .fixed_by_checkpoint(),
      I("dataset", "--dataset", &S::dataset, "what --data holds (auto detects it); without --data, mnist reads data/mnist")
          .fixed_by_checkpoint()
          .one_of({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}),
      I("data", "--data", &S::data,
        "the data folder: MNIST-format IDX files, CIFAR-10 batches, or one subfolder of images per class "
        "(split into train/ and test/, or not)"),
      I("channels", "--channels", &S::channels, "1 (grey) or 3 (colour); default: 3 if any training image is in colour")
          .kept_in_checkpoint().fixed_by_checkpoint().range(1, 3),
      I("image_size", "--image-size", &S::image_size, "H or HxW: resize every image to this (auto: the most common size)")
          .kept_in_checkpoint().fixed_by_checkpoint(),
      I("val_split", "--val-split", &S::val_split,
        "an image folder without train/ and test/: the fraction held out as the test set")
          .kept_in_checkpoint().fixed_by_checkpoint().above(0, 0.99),
      I("augment", "--augment", &S::augment, "none, or a list of crop (crop=P: pad P, crop at random), shift=P, flip")
          .kept_in_checkpoint().fixed_by_checkpoint(),
      I("skip_bad_images", "--skip-bad-images", &S::skip_bad_images,
        "leave unreadable images out (and report them) instead of stopping"),
      I("max_dataset_memory", "--max-dataset-memory", &S::max_dataset_memory,
        "refuse a dataset whose decoded images need more (e.g. 512M, 8G)"),
  };
}

// How the model learns.
std::vector<SettingInfo> optimisation_rows() {
  using S = RunSettings;
  using I = SettingInfo;
  return {
      I("epochs", "--epochs", &S::epochs, "epochs to train in total (when resuming: default the run's planned total)")
          .kept_in_checkpoint().range(1, 100000),
      I("batch_size", "--batch-size", &S::batch_size,
        "images per optimiser step; unless given, halved (down to 8) while a small training set makes fewer than 25 batches per epoch")
          .kept_in_checkpoint().fixed_by_checkpoint().range(1, 65536),
      I("lr", "--lr", &S::lr, "learning rate (default " + rate_text(kSgdLr) + " for sgd, " + rate_text(kAdamLr) + " for adam and adamw)")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 1e6),
      I("optimizer", "--optimizer", &S::optimizer, "sgd, adam or adamw (auto: sgd for MNIST-format data, adam for the rest)")
          .kept_in_checkpoint().fixed_by_checkpoint().one_of({"auto", "sgd", "adam", "adamw"}),
      I("clip_grad_norm", "--clip-grad-norm", &S::clip_grad_norm, "clip the gradients' joint L2 norm to this (0: off)")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 1e9),
      I("lr_schedule", "--lr-schedule", &S::lr_schedule,
        "constant, step (x gamma every --lr-step epochs), cosine (to 0) or onecycle")
          .kept_in_checkpoint().fixed_by_checkpoint().one_of({"constant", "step", "cosine", "onecycle"}),
      I("lr_step", "--lr-step", &S::lr_step, "epochs between step decays")
          .kept_in_checkpoint().fixed_by_checkpoint().range(1, 100000),
      I("lr_gamma", "--lr-gamma", &S::lr_gamma, "step decay factor").kept_in_checkpoint().fixed_by_checkpoint().above(0, 10),
      I("momentum", "--momentum", &S::momentum, "SGD momentum (sgd only)")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 0.999),
      I("weight_decay", "--weight-decay", &S::weight_decay, "weight decay (weights only, not biases or norm scales)")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 1000),
      I("nesterov", "--nesterov", &S::nesterov, "Nesterov momentum").kept_in_checkpoint().fixed_by_checkpoint(),
      I("normalize", "--normalize", &S::normalize,
        "scale inputs to zero mean, unit variance with the training set's statistics "
        "(on by default; --no-normalize turns it off)")
          .fixed_by_checkpoint(),
  };
}

// The run: seed, threads, limits, the folder, resuming, watching, processes.
std::vector<SettingInfo> run_rows() {
  using S = RunSettings;
  using I = SettingInfo;
  return {
      I("seed", "--seed", &S::seed, "seed for initialisation and data order")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 4611686018427387904),
      I("threads", "--threads", &S::threads, "threads (default: all cores); results are reproducible per thread count")
          .kept_in_checkpoint().range(1, 1024),
      I("limit", "--limit", &S::limit, "train on N images only (0: all): every class in proportion, drawn with --seed")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 1000000000),
      I("test_limit", "--test-limit", &S::test_limit, "test on N images only (0: all): every class in proportion, the same images for every seed and model")
          .kept_in_checkpoint().fixed_by_checkpoint().range(0, 1000000000),
      I("out", "--out", &S::out, "run folder to write"),
      I("resume", "--resume", &S::resume, "continue training from a checkpoint (its settings are kept)"),
      I("force", "--force", &S::force, "replace an existing run folder's model.npz"),
      I("checkpoint_every", "--checkpoint-every", &S::checkpoint_every,
        "also save a resumable model.npz every N batches (0: only at the end of each epoch)")
          .range(0, 1000000000),
      I("lr_changes", "--lr-changes", &S::lr_changes,
        "multiply the learning rate from given batches on: BATCH:FACTOR,... (batches counted from the start of training; "
        "the live page's learning-rate control records its changes here, so a resumed run repeats them)")
          .kept_in_checkpoint().fixed_by_checkpoint().newer_than_old_checkpoints(),
      I("live", "--live", &S::live,
        "serve a live page while training (loss, accuracy, kernels and their gradients, feature maps; pause, stop and "
        "learning-rate controls) on --host:--port"),
      I("port", "--port", &S::port, "the live page's port (0: any free port)").range(0, 65535),
      I("live_linger", "--live-linger", &S::live_linger,
        "seconds the live page stays up after training ends, showing the final state (0: leave at once; default: until "
        "Ctrl-C when stdin and stdout are a terminal, else 5)")
          .range(0, 86400),
      I("host", "--host", &S::host,
        "the live page's address; anything but 127.0.0.1 (this machine only) opens it, and its controls, to the network"),
      I("sync_batchnorm", "--sync-batchnorm", &S::sync_batchnorm,
        "under mpirun: BatchNorm normalises with the statistics of the whole batch, not of each process's slice")
          .kept_in_checkpoint().newer_than_old_checkpoints(),
      I("distributed", "--distributed", &S::distributed,
        "refuse to train unless started by mpirun as one of several processes (docs/SCALING.md)"),
  };
}

// Transfer learning: another model's layers and weights, a new head, frozen layers (train/transfer.hpp).
std::vector<SettingInfo> transfer_rows() {
  using S = RunSettings;
  using I = SettingInfo;
  return {
      I("from", "--from", &S::from,
        "start from this model's layers and weights: a minicnn checkpoint (.npz, a run folder, what 'minicnn import' "
        "writes) or an ONNX file (.onnx, imported on the fly); the data's images are resized to its input size"),
      I("new_head", "--new-head", &S::new_head,
        "with --from: replace its classifier (its last Linear, or SqueezeNet's last 1x1 conv) by a fresh one with this many "
        "outputs, which must be the data's class count (default: the data's class count; the head is kept when the "
        "model's classes are the data's)")
          .range(0, 1000000),
      I("freeze_until", "--freeze-until", &S::freeze_until,
        "freeze every parameter up to and including the layer at this path (as 'minicnn summary --model MODEL' "
        "prints them: 8, 3.body.0); frozen BatchNorm layers also keep their running statistics")
          .kept_in_checkpoint().fixed_by_checkpoint().stored_only_when_set(),
  };
}

}  // namespace

const std::vector<SettingInfo>& run_settings_table() {
  static const std::vector<SettingInfo> table = [] {
    std::vector<SettingInfo> t = data_rows();
    for (auto rows : {optimisation_rows(), run_rows(), transfer_rows()}) t.insert(t.end(), rows.begin(), rows.end());
    return t;
  }();
  return table;
}

nlohmann::json settings_to_json(const RunSettings& s) {
  nlohmann::json j = nlohmann::json::object();
  static const RunSettings defaults;
  for (const auto& info : run_settings_table())
    if (info.stored)
      std::visit([&](auto m) { if (!info.only_when_set || s.*m != defaults.*m) j[info.key] = s.*m; }, info.member);
  return j;
}

void settings_from_json(RunSettings& s, const nlohmann::json& j, bool only_present) {
  for (const auto& info : run_settings_table())
    if (info.stored && (j.contains(info.key) || !(info.may_be_missing || only_present)))
      std::visit([&](auto m) { s.*m = j.at(info.key).get<std::decay_t<decltype(s.*m)>>(); }, info.member);
}

Augmentation check_settings(const RunSettings& s) {
  Augmentation augment;
  try {
    augment = Augmentation::parse(s.augment);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--augment: ") + e.what());
  }
  if (s.channels != 0 && s.channels != 1 && s.channels != 3) throw UsageError("--channels must be 1 or 3");
  if (!(s.val_split > 0.f && s.val_split < 1.f)) throw UsageError("--val-split must be between 0 and 1 (exclusive)");
  if (s.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (s.batch_size == 0) throw UsageError("--batch-size must be at least 1");
  if (!(s.lr >= 0) || !(s.momentum >= 0) || !(s.weight_decay >= 0))
    throw UsageError("--lr, --momentum and --weight-decay must be >= 0");
  if (!(s.clip_grad_norm >= 0.f)) throw UsageError("--clip-grad-norm must be >= 0");
  if (s.nesterov && s.momentum == 0) throw UsageError("--nesterov needs --momentum > 0");
  if (s.nesterov && s.optimizer != "sgd") throw UsageError("--nesterov is for --optimizer sgd");
  if (s.new_head && s.from.empty()) throw UsageError("--new-head replaces the classifier of the model given with --from; add --from MODEL");
  if (!s.from.empty() && s.model != "auto")
    throw UsageError("--from and --model both say which model to train: --from starts from a trained one, --model builds a new one");
  return augment;
}

void apply_data_defaults(RunSettings& s, DataFormat format, const Shape& input, bool lr_given) {
  const bool idx = format == DataFormat::idx;
  if (s.model == "auto") s.model = idx && input == Shape{1, 28, 28} ? "lenet5" : "convnet-rgb";
  if (s.optimizer == "auto") s.optimizer = idx ? "sgd" : "adam";
  if (!lr_given) s.lr = s.optimizer == "sgd" ? kSgdLr : kAdamLr;
}

std::string fit_batch_size_to_set(RunSettings& s, std::size_t train_images) {
  const std::size_t asked = s.batch_size;
  while (s.batch_size > 8 && train_images < kMinStepsPerEpoch * s.batch_size) s.batch_size /= 2;
  if (s.batch_size == asked) return "";
  const std::size_t steps = (train_images + asked - 1) / asked;
  return "--batch-size " + std::to_string(s.batch_size) + ", not " + std::to_string(asked) + ": " +
         std::to_string(train_images) + " training images would make only " + std::to_string(steps) + " batch" +
         (steps == 1 ? "" : "es") + " of " + std::to_string(asked) +
         " per epoch, too few optimiser steps to learn much (pass --batch-size to choose)";
}

std::unique_ptr<Optimizer> make_optimizer(const RunSettings& s, NamedParameters params) {
  if (s.optimizer == "sgd") return std::make_unique<SGD>(std::move(params), s.lr, s.momentum, s.weight_decay, s.nesterov);
  return std::make_unique<Adam>(std::move(params), s.lr, 0.9f, 0.999f, 1e-8f, s.weight_decay, s.optimizer == "adamw");
}

LrSchedule make_schedule(const RunSettings& s) {
  LrSchedule schedule;
  schedule.kind = LrSchedule::parse(s.lr_schedule);
  schedule.step_size = s.lr_step;
  schedule.gamma = s.lr_gamma;
  try {
    schedule.multipliers = LrSchedule::parse_multipliers(s.lr_changes);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--lr-changes: ") + e.what());
  }
  schedule.base_lr = s.lr;
  schedule.epochs = s.epochs;
  return schedule;
}

int use_threads(int requested) {
  const int n = requested > 0 ? requested : default_num_threads();
  set_num_threads(n);
  return n;
}

std::uint64_t parse_bytes(const std::string& option, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit = end ? end : "";
  const double scale = unit.empty() ? 1 : unit == "K" ? 1024.0 : unit == "M" ? 1048576.0 : unit == "G" ? 1073741824.0 : -1;
  if (text.empty() || !(v > 0) || scale < 0 || v * scale > 1e15)
    throw UsageError(option + " " + text + ": expected a size such as 512M or 8G (K, M, G: binary units)");
  return static_cast<std::uint64_t>(v * scale);
}

}  // namespace minicnn
