// minicnn train: the main job. Trains a model on MNIST or Fashion-MNIST, shows progress, and
// writes a run folder: model.npz, checkpoints/epoch_N.npz, metrics.csv, config.json and kernel PNGs.
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "minicnn/optim/lr_schedule.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/optim/adam.hpp"
#include "minicnn/optim/sgd.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn::cli {

namespace {

struct TrainArgs {
  std::string model = "lenet5";
  DatasetChoice data;
  std::size_t epochs = 3, batch_size = 64, limit = 0, test_limit = 0;
  float lr = 0.05f, momentum = 0.9f, weight_decay = 0.f;
  bool nesterov = false, normalize = true, force = false;
  std::string lr_schedule = "cosine";
  std::size_t lr_step = 1;
  float lr_gamma = 0.1f;
  std::string optimizer = "sgd";
  float clip_grad_norm = 0.f;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string out = "runs/train", resume;
  std::size_t checkpoint_every = 0;
};

// Catches SIGINT and SIGTERM while it lives (restoring the previous handlers after), so training
// can stop between batches rather than die in the middle of one.
class InterruptGuard {
 public:
  InterruptGuard() {
    caught_ = 0;
    old_int_ = std::signal(SIGINT, handle);
    old_term_ = std::signal(SIGTERM, handle);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static int signal() { return caught_; }

 private:
  static void handle(int sig) { caught_ = sig; }
  static inline volatile std::sig_atomic_t caught_ = 0;
  void (*old_int_)(int);
  void (*old_term_)(int);
};

// The settings a checkpoint fixes: resuming with different ones would not continue the same run.
const char* const kFixedOnResume[] = {"--model", "--dataset", "--batch-size", "--lr", "--momentum", "--weight-decay",
                                      "--nesterov", "--seed", "--limit", "--test-limit", "--normalize", "--no-normalize",
                                      "--optimizer", "--clip-grad-norm",
                                      "--lr-schedule", "--lr-step", "--lr-gamma"};

Conv2d* first_conv(Sequential& m) {
  for (std::size_t i = 0; i < m.size(); ++i)
    if (auto* c = dynamic_cast<Conv2d*>(&m[i])) return c;
  return nullptr;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// One picture of the first conv layer's kernels at every epoch so far, side by side.
void write_filmstrip(const std::string& out, const std::vector<Image>& frames, std::size_t first_epoch) {
  if (frames.empty()) return;
  std::size_t w = 0, h = 0;
  for (const auto& f : frames) w += f.width + 8, h = std::max(h, f.height);
  Image strip(w + 8, h + kTextHeight + 8, 3, 255);
  std::size_t x = 8;
  const std::uint8_t ink[3] = {0, 0, 0};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    draw_text(strip, x, 4, "epoch " + std::to_string(first_epoch + i), ink);
    blit(strip, frames[i], x, kTextHeight + 6);
    x += frames[i].width + 8;
  }
  save_png(out + "/kernels_filmstrip.png", strip);
}

int run(const TrainArgs& a, CLI::App& cmd, const std::string& cmdline) {
  // ---- settings: from the command line, or from the checkpoint when resuming ----
  std::string spec = expand_preset(a.model), dataset = a.data.name;
  std::size_t batch_size = a.batch_size, limit = a.limit, test_limit = a.test_limit;
  float lr = a.lr, momentum = a.momentum, weight_decay = a.weight_decay;
  bool nesterov = a.nesterov, normalize = a.normalize;
  LrSchedule schedule;
  schedule.kind = LrSchedule::parse(a.lr_schedule);
  schedule.step_size = a.lr_step;
  schedule.gamma = a.lr_gamma;
  std::uint64_t seed = a.seed;
  std::string optimizer = a.optimizer;
  float clip = a.clip_grad_norm;
  // Adam's usual learning rate is far below SGD's: 1e-3 unless --lr is given.
  if (optimizer != "sgd" && !cmd.count("--lr")) lr = 1e-3f;
  if (!(clip >= 0.f)) throw UsageError("--clip-grad-norm must be >= 0");
  std::size_t start_epoch = 0, start_batch = 0, epochs = a.epochs;
  nlohmann::json history = nlohmann::json::array(), resumed;
  CheckpointFile resume_file;
  if (a.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (a.batch_size == 0) throw UsageError("--batch-size must be at least 1");
  if (!(a.lr >= 0) || !(a.momentum >= 0) || !(a.weight_decay >= 0)) throw UsageError("--lr, --momentum and --weight-decay must be >= 0");
  if (a.nesterov && a.momentum == 0) throw UsageError("--nesterov needs --momentum > 0");
  if (a.nesterov && a.optimizer != "sgd") throw UsageError("--nesterov is for --optimizer sgd");
  if (!a.resume.empty()) {
    for (const char* flag : kFixedOnResume)
      if (cmd.count(flag))
        throw UsageError(std::string(flag) + " cannot be changed when resuming: the checkpoint fixes it");
    resume_file = read_checkpoint(a.resume);
    try {
      resumed = nlohmann::json::parse(resume_file.info.extra_json);
      const auto& t = resumed.at("training");
      spec = resume_file.info.spec;
      dataset = resumed.at("dataset").get<std::string>();
      batch_size = t.at("batch_size");
      limit = t.at("limit");
      test_limit = t.at("test_limit");
      lr = t.at("lr");
      momentum = t.at("momentum");
      weight_decay = t.at("weight_decay");
      nesterov = t.at("nesterov");
      optimizer = t.value("optimizer", std::string("sgd"));
      clip = t.value("clip_grad_norm", 0.f);
      seed = t.at("seed");
      normalize = !resumed.at("normalize").is_null();
      schedule.kind = LrSchedule::parse(t.at("lr_schedule").get<std::string>());
      schedule.step_size = t.at("lr_step");
      schedule.gamma = t.at("lr_gamma");
      if (!cmd.count("--epochs")) epochs = t.at("epochs");  // continue to the run's planned end
      start_epoch = t.at("epochs_done");
      start_batch = t.at("batches_done");
      history = resumed.at("history");
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(a.resume + ": not a resumable training checkpoint (" + e.what() + ")");
    }
    if (start_epoch >= epochs && start_batch == 0)
      throw UsageError(a.resume + " has already trained " + std::to_string(start_epoch) + " epochs; ask for more with --epochs");
  }
  const int threads = a.threads > 0 ? a.threads : default_threads();
  set_num_threads(threads);

  // ---- data ----
  DatasetChoice dc = a.data;
  dc.name = dataset;
  const std::string dir = dataset_dir(dc);
  Dataset train = load_mnist(dir, "train"), test = load_mnist(dir, "test");
  truncate(train, limit);
  truncate(test, test_limit);
  Normalization norm;
  if (normalize) {
    norm = compute_normalization(train);
    if (!resumed.is_null()) norm = checkpoint_normalization(resumed);
  }

  // ---- model and optimiser ----
  manual_seed(seed);
  const Shape input{1, train.rows, train.cols};
  auto model = build_model(spec, input);
  std::unique_ptr<Optimizer> opt_ptr;
  if (optimizer == "sgd") opt_ptr = std::make_unique<SGD>(model->parameters(), lr, momentum, weight_decay, nesterov);
  else opt_ptr = std::make_unique<Adam>(model->parameters(), lr, 0.9f, 0.999f, 1e-8f, weight_decay, optimizer == "adamw");
  Optimizer& opt = *opt_ptr;
  if (!a.resume.empty()) {
    if (resume_file.info.input_shape != input)
      throw std::runtime_error(a.resume + ": was trained on inputs " + shape_str(resume_file.info.input_shape) + " but " +
                               dir + " holds " + shape_str(input));
    load_into(resume_file, a.resume, *model, &opt);
    if (resumed.contains("rng")) global_rng().set_state(resumed["rng"].get<std::string>());
  }

  // ---- the run folder: never replace someone's checkpoint by accident ----
  const std::string out = a.out;
  const bool resuming_in_place = !a.resume.empty() && same_file(a.resume, out + "/model.npz");
  if (path_exists(out + "/model.npz") && !a.force && !resuming_in_place)
    throw UsageError(out + " already holds a model.npz; choose another --out, resume from it with --resume " + out +
                     "/model.npz, or pass --force to replace it");
  make_dirs(out + "/checkpoints");

  std::printf("minicnn train: %s on %s (%zu train / %zu test images), %d thread%s\n", a.model.c_str(), dir.c_str(),
              train.size(), test.size(), threads, threads == 1 ? "" : "s");
  std::printf("%s", model->summary(input).c_str());
  if (normalize) std::printf("inputs normalised: (x - %.4f) / %.4f\n", norm.mean, norm.std);
  if (!a.resume.empty()) std::printf("resuming %s at epoch %zu, batch %zu\n", a.resume.c_str(), start_epoch + 1, start_batch);

  // The run's settings: config.json records them, and every checkpoint carries them so that
  // --resume continues exactly the same run.
  const nlohmann::json settings{{"epochs", epochs},
                                {"batch_size", batch_size},
                                {"lr", lr},
                                {"lr_schedule", schedule.name()},
                                {"lr_step", schedule.step_size},
                                {"lr_gamma", schedule.gamma},
                                {"optimizer", optimizer},
                                {"clip_grad_norm", clip},
                                {"momentum", momentum},
                                {"weight_decay", weight_decay},
                                {"nesterov", nesterov},
                                {"seed", seed},
                                {"threads", threads},
                                {"limit", limit},
                                {"test_limit", test_limit}};
  const nlohmann::json normalization =
      normalize ? nlohmann::json{{"mean", norm.mean}, {"std", norm.std}} : nlohmann::json();
  nlohmann::json config = settings;
  config.update({{"command", cmdline},
                 {"model", a.model},
                 {"spec", spec},
                 {"dataset", dataset},
                 {"data", dir},
                 {"input_shape", input},
                 {"normalize", normalization},
                 {"resumed_from", a.resume.empty() ? nlohmann::json() : nlohmann::json(a.resume)},
                 {"environment", environment_info()}});
  write_text_atomic(out + "/config.json", config.dump(2) + "\n");

  auto save = [&](const std::string& path, std::size_t epochs_done, std::size_t batches_done) {
    nlohmann::json training = settings;
    training["epochs_done"] = epochs_done;
    training["batches_done"] = batches_done;
    nlohmann::json extra{{"dataset", dataset},
                         {"normalize", normalization},
                         {"classes", class_names(dataset)},
                         {"eval_batch_size", 1000},
                         {"training", training},
                         {"history", history},
                         {"rng", global_rng().state()}};
    CheckpointInfo info;
    info.spec = spec;
    info.input_shape = input;
    info.extra_json = extra.dump();
    save_checkpoint(path, *model, info, &opt);
  };
  // Wall-clock timings are kept out of the checkpoint (which must be bit-identical run to run) and
  // only written to metrics.csv; a resumed run takes earlier epochs' timings from the old metrics.csv.
  std::map<std::size_t, std::string> timing;  // epoch -> "seconds,images_per_second"
  if (std::ifstream old(out + "/metrics.csv"); old && !a.resume.empty()) {
    std::string line;
    std::getline(old, line);
    while (std::getline(old, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
      if (f.size() == 8 && std::atoi(f[0].c_str()) > 0) timing[static_cast<std::size_t>(std::atoi(f[0].c_str()))] = f[5] + "," + f[6];
    }
  }
  auto write_metrics = [&] {
    std::ostringstream csv;
    csv << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,images_per_second,lr\n";
    for (const auto& h : history) {
      const std::size_t e = h["epoch"].get<std::size_t>();
      csv << e << "," << fmt("%.6f", h["train_loss"]) << "," << fmt("%.6f", h["train_accuracy"]) << ","
          << fmt("%.6f", h["test_loss"]) << "," << fmt("%.6f", h["test_accuracy"]) << ","
          << (timing.count(e) ? timing[e] : ",") << "," << fmt("%g", h["lr"]) << "\n";
    }
    write_text_atomic(out + "/metrics.csv", csv.str());
  };

  // ---- kernel pictures: before training, after every epoch, and a filmstrip of them all ----
  Conv2d* conv = first_conv(*model);
  std::vector<Image> frames;
  KernelImageOptions kopt;
  kopt.legend = false;
  auto snapshot = [&](std::size_t epoch) {
    if (!conv) return;
    KernelImageOptions o;
    o.title = "epoch " + std::to_string(epoch);
    save_png(out + "/kernels_epoch" + std::to_string(epoch) + ".png", render_kernels(conv->weight().value, o));
    frames.push_back(render_kernels(conv->weight().value, kopt));
  };
  for (std::size_t e = 0; e <= start_epoch && start_batch == 0; ++e) {
    // Earlier epochs' kernels (when resuming in the same folder) are read back from their checkpoints.
    if (e == start_epoch) snapshot(e);
    else if (conv && path_exists(out + "/checkpoints/epoch_" + std::to_string(e) + ".npz")) {
      auto old = read_checkpoint(out + "/checkpoints/epoch_" + std::to_string(e) + ".npz");
      if (const Tensor* w = old.find("0.weight"); w && w->shape() == conv->weight().value.shape())
        frames.push_back(render_kernels(*w, kopt));
    }
  }
  const std::size_t first_frame_epoch = start_epoch + 1 - frames.size();

  // ---- train ----
  DataLoader loader(train, batch_size, /*shuffle=*/true, seed, norm);
  Trainer trainer(*model, opt, loader);
  trainer.set_schedule(schedule, lr, epochs);
  trainer.set_clip_grad_norm(clip);
  Progress progress;
  double last_acc = 0;
  // Ctrl-C (SIGINT) or SIGTERM: finish the batch in hand, save a resumable checkpoint, say how to
  // resume, and exit 130 / 143 as a shell expects of a process ended by those signals.
  const InterruptGuard interrupt;
  auto interrupted_exit = [&](std::size_t epoch, std::size_t batches_done) {
    progress.finish();
    save(out + "/model.npz", epoch, batches_done);
    const int sig = InterruptGuard::signal();
    std::fprintf(stderr, "\nminicnn train: %s after epoch %zu, batch %zu; saved %s/model.npz\nresume with: minicnn train --resume %s/model.npz --out %s\n",
                 sig == SIGTERM ? "terminated" : "interrupted", epoch + (batches_done ? 1 : 0), batches_done, out.c_str(), out.c_str(), out.c_str());
    return 128 + sig;
  };
  for (std::size_t epoch = start_epoch; epoch < epochs; ++epoch) {
    const auto rep = trainer.run_epoch(
        epoch, epoch == start_epoch ? start_batch : 0,
        [&](const BatchReport& r) {
          progress.update(r.epoch, epochs, r.batch, r.num_batches, r.running_loss, r.running_accuracy, r.images_per_second,
                          r.eta_seconds);
          if (a.checkpoint_every && r.batch % a.checkpoint_every == 0 && r.batch < r.num_batches)
            save(out + "/model.npz", epoch, r.batch);
        },
        [] { return InterruptGuard::signal() != 0; });
    if (rep.stopped_early) return interrupted_exit(epoch, rep.batches_done);
    progress.finish();
    const EvalResult ev = evaluate(*model, test, norm);
    last_acc = ev.accuracy();
    history.push_back({{"epoch", epoch + 1},
                       {"train_loss", rep.train_loss},
                       {"train_accuracy", rep.train_accuracy},
                       {"test_loss", ev.loss},
                       {"test_accuracy", ev.accuracy()},
                       {"lr", opt.lr()}});
    timing[epoch + 1] = fmt("%.3f", rep.seconds) + "," + fmt("%.1f", rep.images_per_second);
    std::printf("epoch %zu/%zu  train loss %.4f acc %.2f%%  |  test loss %.4f acc %.2f%%  |  %.1fs (%.0f img/s)\n",
                epoch + 1, epochs, rep.train_loss, 100 * rep.train_accuracy, ev.loss, 100 * ev.accuracy(), rep.seconds,
                rep.images_per_second);
    std::fflush(stdout);
    save(out + "/checkpoints/epoch_" + std::to_string(epoch + 1) + ".npz", epoch + 1, 0);
    save(out + "/model.npz", epoch + 1, 0);
    write_metrics();
    snapshot(epoch + 1);
    if (InterruptGuard::signal() && epoch + 1 < epochs) return interrupted_exit(epoch + 1, 0);
  }
  write_filmstrip(out, frames, first_frame_epoch);

  std::printf("\ntest accuracy %.2f%% after %zu epochs\n", 100 * last_acc, epochs);
  std::printf("run folder: %s/\n  model.npz  metrics.csv  config.json  checkpoints/\n", out.c_str());
  if (conv)
    std::printf("  kernels: %s/kernels_epoch%zu.png (first conv layer), %s/kernels_filmstrip.png (every epoch)\n",
                out.c_str(), epochs, out.c_str());
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Command& command) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train a model on MNIST or Fashion-MNIST and write a run folder");
  cmd->add_option("--model", args->model, "lenet5, small, or a spec such as \"conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10\"")
      ->capture_default_str();
  add_dataset_options(*cmd, args->data);
  cmd->add_option("--epochs", args->epochs, "epochs to train in total (when resuming: default the run's planned total)")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "images per SGD step")->capture_default_str();
  cmd->add_option("--lr", args->lr, "learning rate")->capture_default_str();
  cmd->add_option("--optimizer", args->optimizer, "sgd, adam or adamw (Adam's default --lr is 1e-3)")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}))
      ->capture_default_str();
  cmd->add_option("--clip-grad-norm", args->clip_grad_norm, "clip the gradients' joint L2 norm to this (0: off)");
  cmd->add_option("--lr-schedule", args->lr_schedule,
                  "constant, step (x gamma every --lr-step epochs), cosine (to 0) or onecycle")
      ->check(CLI::IsMember({"constant", "step", "cosine", "onecycle"}))
      ->capture_default_str();
  cmd->add_option("--lr-step", args->lr_step, "epochs between step decays")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--lr-gamma", args->lr_gamma, "step decay factor")->capture_default_str();
  cmd->add_option("--momentum", args->momentum, "SGD momentum (sgd only)")->capture_default_str();
  cmd->add_option("--weight-decay", args->weight_decay, "weight decay (weights only, not biases or norm scales)")->capture_default_str();
  cmd->add_flag("--nesterov", args->nesterov, "Nesterov momentum");
  cmd->add_flag("--normalize,!--no-normalize", args->normalize,
                "scale inputs to zero mean, unit variance with the training set's statistics (default on)");
  cmd->add_option("--seed", args->seed, "seed for initialisation and data order")->capture_default_str();
  cmd->add_option("--threads", args->threads, "threads (default: all cores); results are reproducible per thread count");
  cmd->add_option("--limit", args->limit, "train on the first N images only (0: all)");
  cmd->add_option("--test-limit", args->test_limit, "test on the first N images only (0: all)");
  cmd->add_option("--out", args->out, "run folder to write")->capture_default_str();
  cmd->add_option("--resume", args->resume, "continue training from a checkpoint (its settings are kept)");
  cmd->add_flag("--force", args->force, "replace an existing run folder's model.npz");
  cmd->add_option("--checkpoint-every", args->checkpoint_every,
                  "also save a resumable model.npz every N batches (0: only at the end of each epoch)");
  command.register_run(cmd, [args, cmd](const std::string& cmdline) { return run(*args, *cmd, cmdline); });
}

}  // namespace minicnn::cli
