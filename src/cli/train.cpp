// minicnn train: the main job. Trains a model on MNIST or Fashion-MNIST, shows progress, and
// writes a run folder: model.npz, checkpoints/epoch_N.npz, metrics.csv, config.json and kernel PNGs.
#include <csignal>
#include <cstdio>
#include <limits>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/optim/adam.hpp"
#include "minicnn/optim/sgd.hpp"
#include "minicnn/train/run_folder.hpp"
#include "minicnn/train/run_report.hpp"
#include "minicnn/train/train.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "data_source.hpp"
#include "minicnn/web/live.hpp"
#include "report.hpp"
#include "distributed.hpp"
#include "run_settings.hpp"

namespace minicnn::cli {

namespace {

// Catches SIGINT and SIGTERM while it lives (restoring the previous handlers after), so training
// can stop between batches rather than die in the middle of one. SIGUSR1 and SIGUSR2 count as
// SIGINT and SIGTERM: mpirun passes those on to the ranks at once (scripts/mpirun.sh).
class InterruptGuard {
 public:
  InterruptGuard() {
    caught_ = 0;
    old_int_ = std::signal(SIGINT, handle);
    old_term_ = std::signal(SIGTERM, handle);
    old_usr1_ = std::signal(SIGUSR1, handle);
    old_usr2_ = std::signal(SIGUSR2, handle);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
    std::signal(SIGUSR1, old_usr1_);
    std::signal(SIGUSR2, old_usr2_);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static int signal() { return caught_; }

 private:
  static void handle(int sig) { caught_ = sig == SIGUSR1 ? SIGINT : sig == SIGUSR2 ? SIGTERM : sig; }
  static inline volatile std::sig_atomic_t caught_ = 0;
  void (*old_int_)(int);
  void (*old_term_)(int);
  void (*old_usr1_)(int);
  void (*old_usr2_)(int);
};

// One run of `minicnn train`, step by step: settings (from the command line or the checkpoint being
// resumed), data, model and optimiser, the run folder, then the epochs.
class TrainRun {
 public:
  TrainRun(RunSettings s, const CLI::App& cmd, std::string cmdline, DistributedRun& dist)
      : s_(std::move(s)), cmd_(cmd), cmdline_(std::move(cmdline)), program_(program_of(cmdline_)), dist_(dist) {}
  int run();

 private:
  void check_settings();
  void choose_defaults(DataFormat format);
  void read_resumed_settings();
  void load_data();
  void build_model_and_optimizer();
  void prepare_folder();
  void write_config();
  void save(const std::string& path, std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial = {});
  void snapshot_kernels(std::size_t epoch);
  void write_filmstrip() const;
  int interrupted(std::size_t epoch, const EpochReport& partial);
  void finish_epoch(std::size_t epoch, const EpochReport& rep);
  void write_report();
  // Stop between batches: Ctrl-C, SIGTERM, or the live page's stop button.
  bool stop_requested() const { return local_stop_signal() != 0; }
  // Ctrl-C or SIGTERM, or the live page's stop (as SIGINT); 0 for none. Under mpirun the ranks
  // then agree on one (DistributedRun::agree_on_signal).
  int local_stop_signal() const {
    if (const int sig = InterruptGuard::signal()) return sig;
    return live_ && live_->stop_requested() ? SIGINT : 0;
  }
  void after_batch(const BatchReport& r, Trainer& trainer);
  void start_live(std::size_t batches_per_epoch);
  void change_lr(float multiplier, std::size_t position, Trainer& trainer);

  RunSettings s_;
  const CLI::App& cmd_;
  std::string cmdline_, program_, spec_, dir_;
  CheckpointFile resume_file_;
  nlohmann::json resumed_;  // the resumed checkpoint's metadata, or null
  std::size_t start_epoch_ = 0, start_batch_ = 0;
  nlohmann::json history_ = nlohmann::json::array();
  Dataset train_, test_;
  Normalization norm_;
  Augmentation augment_;
  nlohmann::json image_stats_;
  Shape input_;
  std::unique_ptr<Sequential> model_;
  std::unique_ptr<Optimizer> opt_;
  LrSchedule schedule_;
  std::vector<EpochMetrics> metrics_;
  Conv2d* conv_ = nullptr;  // the first conv layer, whose kernels are drawn after every epoch
  std::string conv_path_;
  std::vector<std::pair<std::size_t, Tensor>> kernel_history_;  // (epoch, first conv weight): the filmstrip
  EpochTotals carried_;  // a resumed epoch's loss and accuracy sums so far
  Progress progress_;
  double last_accuracy_ = 0;
  std::size_t eval_batch_ = 1000;  // images per evaluation batch (eval_batch_size: within a memory budget)
  std::vector<float> batch_loss_, batch_lr_;  // every batch's loss and learning rate so far (kept in checkpoints)
  std::size_t batches_per_epoch_ = 0;
  std::unique_ptr<LiveMonitor> live_;  // --live
  DistributedRun& dist_;  // this process alone, or one rank of an mpirun job: rank 0 writes
  int stop_signal_ = 0;   // the signal every rank agreed to stop for
};

void TrainRun::check_settings() {
  try {
    augment_ = Augmentation::parse(s_.augment);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--augment: ") + e.what());
  }
  if (s_.channels != 0 && s_.channels != 1 && s_.channels != 3) throw UsageError("--channels must be 1 or 3");
  if (!(s_.val_split > 0.f && s_.val_split < 1.f)) throw UsageError("--val-split must be between 0 and 1 (exclusive)");
  if (s_.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (s_.batch_size == 0) throw UsageError("--batch-size must be at least 1");
  if (!(s_.lr >= 0) || !(s_.momentum >= 0) || !(s_.weight_decay >= 0))
    throw UsageError("--lr, --momentum and --weight-decay must be >= 0");
  if (!(s_.clip_grad_norm >= 0.f)) throw UsageError("--clip-grad-norm must be >= 0");
  if (s_.nesterov && s_.momentum == 0) throw UsageError("--nesterov needs --momentum > 0");
  if (s_.nesterov && s_.optimizer != "sgd") throw UsageError("--nesterov is for --optimizer sgd");
}

// A resumed run takes every stored setting from its checkpoint; --epochs may extend it.
void TrainRun::read_resumed_settings() {
  refuse_fixed_on_resume(cmd_);
  resume_file_ = read_checkpoint(s_.resume);
  try {
    resumed_ = nlohmann::json::parse(resume_file_.info.extra_json);
    const auto& t = resumed_.at("training");
    const RunSettings asked = s_;
    read_training_record(s_, t);
    // Settings a checkpoint does not fix (--epochs, --threads) follow the command line when given there;
    // otherwise the run continues as it was planned.
    for (const auto& info : run_settings_table())
      if (info.stored && !info.fixed && cmd_.count(info.flag)) std::visit([&](auto m) { s_.*m = asked.*m; }, info.member);
    spec_ = resume_file_.info.spec;
    s_.dataset = resumed_.at("dataset").get<std::string>();
    if (!cmd_.count("--data")) s_.data = resumed_.value("data", std::string());
    s_.normalize = !resumed_.at("normalize").is_null();
    start_epoch_ = t.at("epochs_done");
    start_batch_ = t.at("batches_done");
    if (start_batch_ > 0)
      carried_ = {t.value("epoch_loss_sum", 0.0), t.value("epoch_correct", std::size_t(0)), t.value("epoch_seen", std::size_t(0))};
    for (const auto& [n, a] : resume_file_.info.arrays)
      if (n.rfind("kernels.epoch_", 0) == 0) kernel_history_.emplace_back(std::stoul(n.substr(14)), a);
      else if (n == "batch_loss") batch_loss_.assign(a.begin(), a.end());
      else if (n == "batch_lr") batch_lr_.assign(a.begin(), a.end());
    history_ = resumed_.at("history");
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(s_.resume + ": not a resumable training checkpoint (" + e.what() + ")");
  }
  if (start_epoch_ >= s_.epochs && start_batch_ == 0)
    throw UsageError(s_.resume + " has already trained " + std::to_string(start_epoch_) + " epochs; ask for more with --epochs");
}

// One line about an image folder: its classes and sizes, and what reading it changed.
void print_folder_report(const DataSplits& d, float val_split) {
  const ImageFolderReport& r = d.report;
  std::printf("%zu classes (%s): %zu train / %zu test images, %s %zux%zu", d.train.num_classes(), join(d.train.classes).c_str(),
              d.train.size(), d.test.size(), r.channels == 3 ? "colour" : "grey", r.height, r.width);
  if (d.split_here) std::printf(" (test set: %.0f%% of each class, held out with the run's seed)", 100.0 * val_split);
  std::printf("\n");
  if (r.resized) std::printf("  %zu of %zu images were resized to %zux%zu\n", r.resized, r.images, r.height, r.width);
  if (r.ignored) std::printf("  %zu files that are not images by their names were ignored\n", r.ignored);
  if (r.skipped) {
    std::printf("  %zu unreadable images were left out (--skip-bad-images), e.g.:\n", r.skipped);
    for (const auto& f : r.skipped_files) std::printf("    %s\n", f.c_str());
  }
}

// The training and test sets, as --dataset/--data (or the resumed checkpoint) say; the data's
// actual shape is recorded in the settings, so a resumed run and eval read it the same way.
void TrainRun::load_data() {
  const DataSource src = resolve_data(s_.dataset, s_.data);
  std::size_t height = 0, width = 0;
  parse_image_size(s_.image_size, height, width);
  DataOptions o = data_options(src, s_.val_split, s_.seed, s_.channels, height, width);
  o.folder.skip_bad = s_.skip_bad_images;
  o.folder.max_bytes = parse_bytes("--max-dataset-memory", s_.max_dataset_memory);
  Progress reading;
  o.folder.progress = [&](std::size_t done, std::size_t total) { reading.count("reading images", done, total); };
  DataSplits d = minicnn::load_data(o);
  reading.finish();
  if (d.format == DataFormat::folder) print_folder_report(d, s_.val_split);
  s_.dataset = src.dataset;
  dir_ = src.dir;
  train_ = std::move(d.train);
  test_ = std::move(d.test);
  s_.channels = train_.channels;
  s_.image_size = std::to_string(train_.rows) + "x" + std::to_string(train_.cols);
  truncate(train_, s_.limit);
  truncate(test_, s_.test_limit);
  if (s_.normalize) norm_ = resumed_.is_null() ? compute_normalization(train_) : normalization_from_json(resumed_["normalize"]);
  input_ = train_.sample_shape();
  const ImageStats st = image_statistics(train_);
  image_stats_ = {{"mean_mean", st.mean_mean}, {"mean_std", st.mean_std}, {"std_mean", st.std_mean},
                  {"std_std", st.std_std},   {"mid_mean", st.mid_mean},   {"mid_std", st.mid_std}};
  choose_defaults(d.format);
}

// --model auto and --optimizer auto, by what the data is: lenet5 with SGD suits 28x28 grey
// digits; for other images a small VGG-style net with Adam trains better (bench/RESULTS.md and
// README's "Your own images").
void TrainRun::choose_defaults(DataFormat format) {
  const bool mnist_like = format == DataFormat::idx && input_ == Shape{1, 28, 28};
  if (s_.model == "auto") s_.model = mnist_like ? "lenet5" : "convnet-rgb";
  if (s_.optimizer == "auto") s_.optimizer = format == DataFormat::idx ? "sgd" : "adam";
  if (s_.optimizer != "sgd" && !cmd_.count("--lr") && s_.resume.empty()) s_.lr = 1e-3f;  // Adam's usual rate
  if (spec_.empty()) spec_ = expand_preset(s_.model, train_.num_classes());
}

void TrainRun::build_model_and_optimizer() {
  manual_seed(s_.seed);
  try {
    model_ = build_model(spec_, input_);
  } catch (const SpecError& e) {  // from the command line: exit 2; from a checkpoint: a file error
    if (s_.resume.empty()) throw;
    throw std::runtime_error(s_.resume + ": cannot rebuild its architecture: " + e.what());
  }
  if (s_.optimizer == "sgd")
    opt_ = std::make_unique<SGD>(model_->parameters(), s_.lr, s_.momentum, s_.weight_decay, s_.nesterov);
  else
    opt_ = std::make_unique<Adam>(model_->parameters(), s_.lr, 0.9f, 0.999f, 1e-8f, s_.weight_decay, s_.optimizer == "adamw");
  schedule_.kind = LrSchedule::parse(s_.lr_schedule);
  schedule_.step_size = s_.lr_step;
  schedule_.gamma = s_.lr_gamma;
  try {
    schedule_.multipliers = LrSchedule::parse_multipliers(s_.lr_changes);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--lr-changes: ") + e.what());
  }
  conv_ = first_layer<Conv2d>(*model_, &conv_path_);
  eval_batch_ = eval_batch_size(*model_, input_);
  if (resumed_.is_null()) return;
  if (resume_file_.info.input_shape != input_)
    throw std::runtime_error(s_.resume + ": was trained on inputs " + shape_str(resume_file_.info.input_shape) + " but " +
                             dir_ + " holds " + shape_str(input_));
  load_into(resume_file_, s_.resume, *model_, opt_.get());
  if (resumed_.contains("rng")) global_rng().set_state(resumed_["rng"].get<std::string>());
}

// Never replace someone's checkpoint by accident; then record the run's settings in config.json.
void TrainRun::prepare_folder() {
  const std::string& out = s_.out;
  const bool resuming_in_place = !s_.resume.empty() && same_file(s_.resume, out + "/model.npz");
  if (path_exists(out + "/model.npz") && !s_.force && !resuming_in_place)
    throw UsageError(out + " already holds a model.npz; choose another --out, resume from it with --resume " + out +
                     "/model.npz, or pass --force to replace it");
  make_folders(out + "/checkpoints");
  // A kill -9 during a write leaves "<file>.tmp.<pid>": remove those of processes that are gone.
  for (const std::string& dir : {out, out + "/checkpoints"})
    for (const auto& f : remove_stale_temporaries(dir))
      std::printf("removed %s/%s, a temporary file left by a run that was killed while writing\n", dir.c_str(), f.c_str());
  write_config();
  // Wall-clock timings are kept out of checkpoints (which must be bit-identical run to run): a run
  // resumed in its own folder takes earlier epochs' timings from the metrics.csv already there.
  if (!s_.resume.empty()) metrics_ = read_metrics_csv(out + "/metrics.csv");
}

// config.json: the command and every setting (again when the live page changes the learning rate).
void TrainRun::write_config() {
  nlohmann::json config = training_record(s_);
  config.update({{"command", cmdline_},
                 {"model", s_.model},
                 {"spec", spec_},
                 {"dataset", s_.dataset},
                 {"data", dir_},
                 {"input_shape", input_},
                 {"normalize", normalization_json(norm_)},
                 {"classes", train_.classes},
                 {"resumed_from", s_.resume.empty() ? nlohmann::json() : nlohmann::json(s_.resume)},
                 {"processes", dist_.world_size()},
                 {"environment", environment_info()}});
  write_text_atomic(s_.out + "/config.json", config.dump(2) + "\n");
}

void TrainRun::save(const std::string& path, std::size_t epochs_done, std::size_t batches_done, const EpochTotals& partial) {
  if (!dist_.writer()) return;
  nlohmann::json training = training_record(s_);
  training["epochs_done"] = epochs_done;
  training["batches_done"] = batches_done;
  training["batches_per_epoch"] = batches_per_epoch_;
  if (batches_done > 0)
    training.update({{"epoch_loss_sum", partial.loss_sum}, {"epoch_correct", partial.correct}, {"epoch_seen", partial.seen}});
  const nlohmann::json extra{{"dataset", s_.dataset},
                             {"data", dir_},
                             {"normalize", normalization_json(norm_)},
                             {"classes", train_.classes},
                             {"image_stats", image_stats_},
                             {"eval_batch_size", eval_batch_},
                             {"training", training},
                             {"history", history_},
                             {"rng", global_rng().state()}};
  CheckpointInfo info;
  info.spec = spec_;
  info.input_shape = input_;
  info.extra_json = extra.dump();
  for (const auto& [e, w] : kernel_history_) info.arrays.emplace_back("kernels.epoch_" + std::to_string(e), w);
  for (const auto& [name, v] : {std::pair("batch_loss", &batch_loss_), std::pair("batch_lr", &batch_lr_)}) {
    Tensor t = Tensor::from_shape({v->size()});
    std::copy(v->begin(), v->end(), t.begin());
    if (!v->empty()) info.arrays.emplace_back(name, std::move(t));
  }
  save_checkpoint(path, *model_, info, opt_.get());
}

// The first conv layer's kernels after an epoch: a PNG, and a frame for the filmstrip (kept in every
// checkpoint, so a resumed run draws the same filmstrip as an uninterrupted one).
void TrainRun::snapshot_kernels(std::size_t epoch) {
  if (!conv_) return;
  KernelImageOptions titled;
  titled.title = "layer " + conv_path_ + " after epoch " + std::to_string(epoch) + ": " + conv_->name();
  if (dist_.writer()) save_png(s_.out + "/kernels_epoch" + std::to_string(epoch) + ".png", render_kernels(conv_->weight().value, titled));
  kernel_history_.emplace_back(epoch, conv_->weight().value);
}

// Every epoch's kernels side by side on one colour scale (the largest |w| of any epoch), so a
// kernel that grows looks stronger.
void TrainRun::write_filmstrip() const {
  if (kernel_history_.empty() || !dist_.writer()) return;
  const std::string title = "layer " + conv_path_ + " (" + conv_->name() + "), its kernels after each epoch";
  save_png(s_.out + "/kernels_filmstrip.png", kernel_filmstrip(kernel_history_, title));
}

// Ctrl-C (SIGINT) or SIGTERM: the batch in hand is finished; save a resumable checkpoint, say how
// to resume, and exit 130 / 143 as a shell expects of a process ended by those signals.
int TrainRun::interrupted(std::size_t epoch, const EpochReport& partial) {
  progress_.finish();
  save(s_.out + "/model.npz", epoch, partial.batches_done, partial.totals);
  const int sig = stop_signal_ ? stop_signal_ : SIGINT;  // the live page's stop counts as Ctrl-C
  const std::string where = partial.batches_done ? "in epoch " + std::to_string(epoch + 1) + " after batch " +
                                                       std::to_string(partial.batches_done) + " of " + std::to_string(partial.num_batches)
                                                 : "after epoch " + std::to_string(epoch);
  const std::string resume = program_ + " train --resume " + shell_quote(s_.out + "/model.npz") + " --out " + shell_quote(s_.out);
  const char* how = !InterruptGuard::signal() ? "stopped from the live page" : sig == SIGTERM ? "terminated" : "interrupted";
  std::fprintf(stderr, "\nminicnn train: %s %s; saved %s/model.npz\nresume with: %s\n", how, where.c_str(), s_.out.c_str(),
               resume.c_str());
  if (live_) live_->finish("stopped", std::string(how) + " " + where + "; resume with: " + resume, *model_);
  return 128 + sig;
}

void TrainRun::finish_epoch(std::size_t epoch, const EpochReport& rep) {
  progress_.finish();
  const EvalResult ev = dist_.evaluate(*model_, test_, norm_, epoch + 1, eval_batch_);
  last_accuracy_ = ev.accuracy();
  history_.push_back({{"epoch", epoch + 1},
                      {"train_loss", rep.train_loss},
                      {"train_accuracy", rep.train_accuracy},
                      {"test_loss", ev.loss},
                      {"test_accuracy", ev.accuracy()},
                      {"lr", opt_->lr()}});
  std::printf("epoch %zu/%zu  train loss %.4f acc %.2f%%  |  test loss %.4f acc %.2f%%  |  %.1fs (%.0f img/s)\n", epoch + 1,
              s_.epochs, rep.train_loss, 100 * rep.train_accuracy, ev.loss, 100 * ev.accuracy(), rep.seconds,
              rep.images_per_second);
  std::fflush(stdout);
  snapshot_kernels(epoch + 1);  // before the checkpoints, which carry the kernel history
  save(s_.out + "/checkpoints/epoch_" + std::to_string(epoch + 1) + ".npz", epoch + 1, 0);
  save(s_.out + "/model.npz", epoch + 1, 0);
  // metrics.csv: every epoch in the history, with the timings known for this folder.
  std::vector<EpochMetrics> rows;
  for (const auto& h : history_) {
    EpochMetrics m;
    m.epoch = h["epoch"].get<std::size_t>();
    for (const auto& old : metrics_)
      if (old.epoch == m.epoch) m = old;
    if (m.epoch == epoch + 1) m.seconds = rep.seconds, m.images_per_second = rep.images_per_second;
    m.train_loss = h["train_loss"], m.train_accuracy = h["train_accuracy"], m.test_loss = h["test_loss"];
    m.test_accuracy = h["test_accuracy"], m.lr = h["lr"].get<float>();
    rows.push_back(m);
  }
  metrics_ = rows;
  if (dist_.writer()) write_metrics_csv(s_.out + "/metrics.csv", metrics_);
  if (live_) live_->after_epoch(history_);
}

void TrainRun::write_report() {
  try {
    std::printf("  report: %s (curves, kernels, confusion matrix, mistakes, settings)\n",
                write_run_report(s_.out, program_, &test_, "", model_.get()).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: no report.html: %s (try: %s report %s)\n", e.what(), program_.c_str(), shell_quote(s_.out).c_str());
  }
}

// Every batch: its loss and learning rate for the records, then the live page: the snapshot, a
// pause (held here, between batches), a new learning-rate multiplier from the next batch on.
void TrainRun::after_batch(const BatchReport& r, Trainer& trainer) {
  batch_loss_.push_back(r.loss);
  batch_lr_.push_back(opt_->lr());
  if (!live_) return;
  live_->after_batch(r, opt_->lr(), s_.lr_changes, *model_);
  while (live_->paused() && !stop_requested()) live_->idle(*model_);
  if (const auto m = live_->take_lr_request()) change_lr(*m, (r.epoch - 1) * r.num_batches + r.batch, trainer);
}

void TrainRun::start_live(std::size_t batches_per_epoch) {
  LiveSetup l;
  l.title = s_.out + ": " + s_.model + " on " + dir_;
  l.spec = spec_, l.input_shape = input_, l.epochs = s_.epochs, l.batches_per_epoch = batches_per_epoch;
  l.batch_size = s_.batch_size, l.train_images = train_.size(), l.lr = s_.lr, l.test = &test_, l.norm = norm_;
  l.batch_loss = batch_loss_, l.history = history_;
  live_->start(l);
  std::printf("live page: %s\n", live_->url().c_str());
  std::fflush(stdout);
}

// The learning rate times `multiplier` from batch `position` on: recorded in the settings (so
// checkpoints and config.json carry it and a resumed run repeats it) and read back from the
// record's text, so this run uses exactly the number a resumed one will.
void TrainRun::change_lr(float multiplier, std::size_t position, Trainer& trainer) {
  auto changes = schedule_.multipliers;
  changes.emplace_back(position, multiplier);
  s_.lr_changes = LrSchedule::format_multipliers(changes);
  schedule_.multipliers = LrSchedule::parse_multipliers(s_.lr_changes);
  trainer.set_schedule(schedule_, s_.lr, s_.epochs);
  write_config();
  progress_.finish();
  std::printf("live page: learning rate x%g from batch %zu on (--lr-changes %s)\n", static_cast<double>(schedule_.multipliers.back().second),
              position, s_.lr_changes.c_str());
}

int TrainRun::run() {
  if (!s_.resume.empty()) read_resumed_settings();
  check_settings();
  if (dist_.world_size() > 1 && !cmd_.count("--threads")) s_.threads = dist_.default_threads();
  if (s_.live && dist_.world_size() > 1)
    throw UsageError("--live: not under mpirun (" + std::to_string(dist_.world_size()) +
                     " processes); the run's report.html shows the same curves afterwards");
  if (s_.live) live_ = std::make_unique<LiveMonitor>(s_.host, s_.port);  // binds now: a port in use fails before any work
  s_.threads = s_.threads > 0 ? s_.threads : default_threads();
  set_num_threads(s_.threads);
  load_data();
  build_model_and_optimizer();
  dist_.check_same_everywhere(training_record(s_), spec_, train_, test_, *model_);
  dist_.writer_first([&] { prepare_folder(); });

  std::printf("minicnn train: %s on %s (%zu train / %zu test images), %d thread%s\n", s_.model.c_str(), dir_.c_str(),
              train_.size(), test_.size(), s_.threads, s_.threads == 1 ? "" : "s");
  std::printf("%s", model_->summary(input_).c_str());
  if (s_.normalize) std::printf("inputs normalised: %s\n", norm_.str().c_str());
  if (augment_.any()) std::printf("augmentation: %s\n", augment_.str().c_str());
  if (!s_.resume.empty()) std::printf("resuming %s at epoch %zu, batch %zu\n", s_.resume.c_str(), start_epoch_ + 1, start_batch_);

  if (kernel_history_.empty()) snapshot_kernels(start_epoch_);
  DataLoader loader(train_, s_.batch_size, /*shuffle=*/true, s_.seed, norm_, augment_);
  batches_per_epoch_ = loader.num_batches();
  // One record per batch trained so far (NaN for batches of a checkpoint that predates them).
  for (auto* v : {&batch_loss_, &batch_lr_}) {
    v->resize(start_epoch_ * batches_per_epoch_ + start_batch_, std::numeric_limits<float>::quiet_NaN());
    v->reserve(s_.epochs * batches_per_epoch_);
  }
  if (live_) start_live(batches_per_epoch_);
  Trainer trainer(*model_, *opt_, loader);
  trainer.set_schedule(schedule_, s_.lr, s_.epochs);
  trainer.set_clip_grad_norm(s_.clip_grad_norm);
  dist_.attach(*model_, trainer, loader, s_.sync_batchnorm, s_.out);
  const InterruptGuard interrupt;
  for (std::size_t epoch = start_epoch_; epoch < s_.epochs; ++epoch) {
    const auto rep = trainer.run_epoch(
        epoch, epoch == start_epoch_ ? start_batch_ : 0,
        [&](const BatchReport& r) {
          progress_.update(r.epoch, s_.epochs, r.batch, r.num_batches, r.running_loss, r.running_accuracy,
                           r.images_per_second, r.eta_seconds);
          after_batch(r, trainer);
          if (s_.checkpoint_every && r.batch % s_.checkpoint_every == 0 && r.batch < r.num_batches)
            save(s_.out + "/model.npz", epoch, r.batch, r.totals);
        },
        [&] { return (stop_signal_ = dist_.agree_on_signal(local_stop_signal())) != 0; },
        epoch == start_epoch_ ? carried_ : EpochTotals{});
    if (rep.stopped_early) return interrupted(epoch, rep);
    finish_epoch(epoch, rep);
    if (epoch + 1 < s_.epochs && (stop_signal_ = dist_.agree_on_signal(local_stop_signal())))
      return interrupted(epoch + 1, EpochReport{});
  }
  write_filmstrip();

  std::printf("\ntest accuracy %.2f%% after %zu epoch%s\n", 100 * last_accuracy_, s_.epochs, s_.epochs == 1 ? "" : "s");
  std::printf("run folder: %s/\n  model.npz  metrics.csv  config.json  checkpoints/\n", s_.out.c_str());
  if (conv_)
    std::printf("  kernels: %s/kernels_epoch%zu.png (first conv layer), %s/kernels_filmstrip.png (every epoch)\n",
                s_.out.c_str(), s_.epochs, s_.out.c_str());
  if (dist_.writer()) write_report();
  if (live_) {
    char done[160];
    std::snprintf(done, sizeof done, "test accuracy %.2f%% after %zu epoch%s", 100 * last_accuracy_, s_.epochs,
                  s_.epochs == 1 ? "" : "s");
    live_->finish("finished", done, *model_);
  }
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Command& command) {
  auto settings = std::make_shared<RunSettings>();
  CLI::App* cmd = app.add_subcommand("train", "train a model on MNIST or Fashion-MNIST and write a run folder");
  cmd->footer(
      "examples:\n"
      "  minicnn train --epochs 3 --out runs/mnist                   lenet5 on MNIST (data/mnist)\n"
      "  minicnn train --dataset fashion-mnist --out runs/fashion    Debian's Fashion-MNIST\n"
      "  minicnn train --data photos --augment crop,flip --out runs/p   one subfolder of images per class\n"
      "  minicnn train --model \"conv 8 3 pad=1, relu, maxpool 2, flatten, linear 10\" --out runs/s\n"
      "  minicnn train --resume runs/mnist/model.npz --epochs 5       continue a run (settings kept)\n"
  );
  add_run_options(*cmd, *settings);
  command.register_run(cmd, [settings, cmd](const std::string& cmdline) {
    return run_distributed(settings->distributed, program_of(cmdline),
                           [&](DistributedRun& dist) { return TrainRun(*settings, *cmd, cmdline, dist).run(); });
  });
}

}  // namespace minicnn::cli
