#include "run_settings.hpp"

#include "common.hpp"

namespace minicnn::cli {

const std::vector<SettingInfo>& run_settings_table() {
  using S = RunSettings;
  // key, flag, help, stored, fixed, member, choices, min, max
  static const std::vector<SettingInfo> table{
      {"model", "--model",
       "a preset (auto picks lenet5 for 28x28 MNIST-format data, convnet-rgb for the rest; see 'minicnn models') or a "
       "spec such as \"conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10\"",
       false, true, &S::model},
      {"dataset", "--dataset", "what --data holds (auto detects it); without --data, mnist reads data/mnist", false, true,
       &S::dataset, {"auto", "mnist", "fashion-mnist", "folder", "cifar10"}},
      {"data", "--data",
       "the data folder: MNIST-format IDX files, CIFAR-10 batches, or one subfolder of images per class "
       "(split into train/ and test/, or not)",
       false, false, &S::data},
      {"channels", "--channels", "1 (grey) or 3 (colour); default: 3 if any training image is in colour", true, true,
       &S::channels, {}, 1, 3},
      {"image_size", "--image-size", "H or HxW: resize every image to this (auto: the most common size)", true, true,
       &S::image_size},
      {"val_split", "--val-split", "an image folder without train/ and test/: the fraction held out as the test set",
       true, true, &S::val_split, {}, 0, 0.99, true},
      {"augment", "--augment", "none, or a list of crop (crop=P: pad P, crop at random), shift=P, flip", true, true,
       &S::augment},
      {"skip_bad_images", "--skip-bad-images", "leave unreadable images out (and report them) instead of stopping", false,
       false, &S::skip_bad_images},
      {"max_dataset_memory", "--max-dataset-memory", "refuse a dataset whose decoded images need more (e.g. 512M, 8G)",
       false, false, &S::max_dataset_memory},
      {"epochs", "--epochs", "epochs to train in total (when resuming: default the run's planned total)", true, false,
       &S::epochs, {}, 1, 100000},
      {"batch_size", "--batch-size", "images per optimiser step", true, true, &S::batch_size, {}, 1, 65536},
      {"lr", "--lr", "learning rate (default 0.05 for sgd, 1e-3 for adam and adamw)", true, true, &S::lr, {}, 0, 1e6},
      {"optimizer", "--optimizer", "sgd, adam or adamw (auto: sgd for MNIST-format data, adam for the rest)", true, true,
       &S::optimizer, {"auto", "sgd", "adam", "adamw"}},
      {"clip_grad_norm", "--clip-grad-norm", "clip the gradients' joint L2 norm to this (0: off)", true, true,
       &S::clip_grad_norm, {}, 0, 1e9},
      {"lr_schedule", "--lr-schedule", "constant, step (x gamma every --lr-step epochs), cosine (to 0) or onecycle", true,
       true, &S::lr_schedule, {"constant", "step", "cosine", "onecycle"}},
      {"lr_step", "--lr-step", "epochs between step decays", true, true, &S::lr_step, {}, 1, 100000},
      {"lr_gamma", "--lr-gamma", "step decay factor", true, true, &S::lr_gamma, {}, 0, 10, true},
      {"momentum", "--momentum", "SGD momentum (sgd only)", true, true, &S::momentum, {}, 0, 0.999},
      {"weight_decay", "--weight-decay", "weight decay (weights only, not biases or norm scales)", true, true,
       &S::weight_decay, {}, 0, 1000},
      {"nesterov", "--nesterov", "Nesterov momentum", true, true, &S::nesterov},
      {"normalize", "--normalize", "scale inputs to zero mean, unit variance with the training set's statistics "
       "(on by default; --no-normalize turns it off)", false, true, &S::normalize},
      {"seed", "--seed", "seed for initialisation and data order", true, true, &S::seed, {}, 0, 4611686018427387904},
      {"threads", "--threads", "threads (default: all cores); results are reproducible per thread count", true, false,
       &S::threads, {}, 1, 1024},
      {"limit", "--limit", "train on the first N images only (0: all)", true, true, &S::limit, {}, 0, 1000000000},
      {"test_limit", "--test-limit", "test on the first N images only (0: all)", true, true, &S::test_limit, {}, 0, 1000000000},
      {"out", "--out", "run folder to write", false, false, &S::out},
      {"resume", "--resume", "continue training from a checkpoint (its settings are kept)", false, false, &S::resume},
      {"force", "--force", "replace an existing run folder's model.npz", false, false, &S::force},
      {"checkpoint_every", "--checkpoint-every",
       "also save a resumable model.npz every N batches (0: only at the end of each epoch)", false, false,
       &S::checkpoint_every, {}, 0, 1000000000},
      {"lr_changes", "--lr-changes",
       "multiply the learning rate from given batches on: BATCH:FACTOR,... (batches counted from the start of training; "
       "the live page's learning-rate control records its changes here, so a resumed run repeats them)",
       true, true, &S::lr_changes, {}, 0, 0, false, true},
      {"live", "--live",
       "serve a live page while training (loss, accuracy, kernels and their gradients, feature maps; pause, stop and "
       "learning-rate controls) on --host:--port",
       false, false, &S::live},
      {"port", "--port", "the live page's port (0: any free port)", false, false, &S::port, {}, 0, 65535},
      {"host", "--host", "the live page's address; anything but 127.0.0.1 (this machine only) opens it, and its controls, "
       "to the network", false, false, &S::host},
      {"sync_batchnorm", "--sync-batchnorm",
       "under mpirun: BatchNorm normalises with the statistics of the whole batch, not of each process's slice", true,
       false, &S::sync_batchnorm, {}, 0, 0, false, true},
      {"distributed", "--distributed",
       "refuse to train unless started by mpirun as one of several processes (docs/SCALING.md)", false, false,
       &S::distributed},
  };
  return table;
}

nlohmann::json training_record(const RunSettings& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& info : run_settings_table())
    if (info.stored) std::visit([&](auto m) { j[info.key] = s.*m; }, info.member);
  return j;
}

void read_training_record(RunSettings& s, const nlohmann::json& record) {
  // A setting newer than the checkpoint (may_be_missing) keeps its default.
  for (const auto& info : run_settings_table())
    if (info.stored && (record.contains(info.key) || !info.may_be_missing))
      std::visit([&](auto m) { s.*m = record.at(info.key).get<std::decay_t<decltype(s.*m)>>(); }, info.member);
}

void add_run_options(CLI::App& cmd, RunSettings& s) {
  for (const auto& info : run_settings_table()) {
    std::visit(
        [&](auto m) {
          using T = std::decay_t<decltype(s.*m)>;
          if constexpr (std::is_same_v<T, bool>) {
            const std::string names = std::string(info.flag) == "--normalize" ? "--normalize,!--no-normalize" : info.flag;
            cmd.add_flag(names, s.*m, info.help);
          } else {
            CLI::Option* o = cmd.add_option(info.flag, s.*m, info.help);
            if (!info.choices.empty()) o->check(CLI::IsMember(info.choices));
            if constexpr (std::is_integral_v<T>)
              if (info.max > 0) o->check(whole_number(static_cast<std::uint64_t>(info.min), static_cast<std::uint64_t>(info.max)));
            if constexpr (std::is_floating_point_v<T>)
              if (info.max > 0) o->check(real_number(info.min, info.max, info.min_open));
            if constexpr (!std::is_same_v<T, std::string>) {
              if (std::string(info.key) != "threads") o->capture_default_str();  // threads: "all cores"
            }
            else if (!(s.*m).empty()) o->capture_default_str();
          }
        },
        info.member);
  }
}

void refuse_fixed_on_resume(const CLI::App& cmd) {
  for (const auto& info : run_settings_table()) {
    if (!info.fixed) continue;
    if (cmd.count(info.flag))
      throw UsageError(std::string(info.flag) + " cannot be changed when resuming: the checkpoint fixes it");
    if (std::string(info.flag) == "--normalize" && cmd.count("--no-normalize"))
      throw UsageError("--no-normalize cannot be changed when resuming: the checkpoint fixes it");
  }
}

}  // namespace minicnn::cli
