// minicnn train: parses the options, runs a TrainingRun (train/training_run.hpp) under the signal
// guard, and shows it: the progress line, a line per epoch, the summary, the report, and the live
// page with --live. It trains on any dataset kind: MNIST-format IDX files, CIFAR-10, image folders.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/train/training_run.hpp"
#include "minicnn/web/live.hpp"
#include "report_command.hpp"
#include "settings_options.hpp"

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

// One line about an image folder: its classes and sizes, and what reading it changed.
void print_folder_report(const DataSplits& d, float val_split) {
  const ImageFolderReport& r = d.report;
  std::printf("%zu classes (%s): %zu train / %zu test images, %s %zux%zu", d.train.num_classes(), join(d.train.classes).c_str(),
              d.train.size(), d.test.size(), r.channels == 3 ? "colour" : "grey", r.height, r.width);
  if (d.split_here) std::printf(" (test set: %.0f%% of each class, held out with the run's seed)", 100.0 * val_split);
  std::printf("\n");
  if (r.resized) std::printf("  %zu of %zu images were resized to %zux%zu\n", r.resized, r.images, r.height, r.width);
  // The files named: the first ones the report kept, then how many more.
  const auto list = [](const std::vector<std::string>& files, std::size_t count) {
    for (const auto& f : files) std::printf("    %s\n", f.c_str());
    if (count > files.size()) std::printf("    and %zu more\n", count - files.size());
  };
  if (r.ignored) {
    std::printf("  %zu %s ignored:\n", r.ignored,
                r.ignored == 1 ? "file that is not an image by its name was" : "files that are not images by their names were");
    list(r.ignored_files, r.ignored);
  }
  if (r.skipped) {
    std::printf("  %zu unreadable %s left out (--skip-bad-images):\n", r.skipped, r.skipped == 1 ? "image was" : "images were");
    list(r.skipped_files, r.skipped);
  }
}

// What a person sees of a training run: the terminal, and the live page with --live.
class ConsoleObserver : public TrainingObserver {
 public:
  explicit ConsoleObserver(std::string program) : program_(std::move(program)) {}

  void settings_ready(TrainingRun& run) override {
    const RunSettings& s = run.settings();
    if (s.live && run.dist().world_size() > 1)
      throw UsageError("--live: not under mpirun (" + std::to_string(run.dist().world_size()) +
                       " processes); the run's report.html shows the same curves afterwards");
    if (s.live) live_ = std::make_unique<LiveMonitor>(s.host, s.port);  // binds now: a port in use fails before any work
  }
  void reading_images(std::size_t done, std::size_t total) override { reading_.count("reading images", done, total); }
  void data_loaded(const DataSplits& d, float val_split) override {
    reading_.finish();
    if (d.format == DataFormat::folder) print_folder_report(d, val_split);
  }
  void note(const std::string& line) override { std::printf("%s\n", line.c_str()); }
  void starting(TrainingRun& run) override;
  void after_batch(const BatchReport& r, TrainingRun& run) override {
    progress_.update(r.epoch, run.settings().epochs, r.batch, r.num_batches, r.running_loss, r.running_accuracy,
                     r.images_per_second, r.eta_seconds);
    if (live_) live_->after_batch(r, run.lr(), run.settings().lr_changes, run.model());
  }
  bool paused() override { return live_ && live_->paused(); }
  void idle(TrainingRun& run) override { live_->idle(run.model()); }
  std::optional<float> take_lr_request() override { return live_ ? live_->take_lr_request() : std::nullopt; }
  void lr_changed(std::size_t position, float multiplier, TrainingRun& run) override {
    progress_.finish();
    std::printf("live page: learning rate x%g from batch %zu on (--lr-changes %s)\n", static_cast<double>(multiplier), position,
                run.settings().lr_changes.c_str());
  }
  // Ctrl-C or SIGTERM, or the live page's stop (as SIGINT); 0 for none.
  int stop_signal() override {
    if (const int sig = InterruptGuard::signal()) return sig;
    return live_ && live_->stop_requested() ? SIGINT : 0;
  }
  void after_epoch(const EpochReport& rep, const EvalResult& ev, TrainingRun& run) override {
    progress_.finish();
    std::printf("epoch %zu/%zu  train loss %.4f acc %.2f%%  |  test loss %.4f acc %.2f%%  |  %.1fs (%.0f img/s)\n", rep.epoch,
                run.settings().epochs, rep.train_loss, 100 * rep.train_accuracy, ev.loss, 100 * ev.accuracy(), rep.seconds,
                rep.images_per_second);
    std::fflush(stdout);
    if (live_) live_->after_epoch(history_to_json(run.history()));
  }
  void stopped(int sig, const std::string& where, TrainingRun& run) override;
  void finished(TrainingRun& run) override;

 private:
  std::string linger_note(const RunSettings& s) const;
  void linger(const RunSettings& s);
  std::string program_;
  Progress reading_, progress_;
  std::unique_ptr<LiveMonitor> live_;      // --live
  std::optional<InterruptGuard> guard_;  // from the first batch on
};

void ConsoleObserver::starting(TrainingRun& run) {
  const RunSettings& s = run.settings();
  std::printf("minicnn train: %s on %s (%zu train / %zu test images), %d thread%s\n", s.model.c_str(), run.data_dir().c_str(),
              run.train_set().size(), run.test_set().size(), s.threads, s.threads == 1 ? "" : "s");
  std::printf("%s", run.model().summary(run.input_shape()).c_str());
  if (s.normalize) std::printf("inputs normalised: %s\n", run.normalization().str().c_str());
  if (run.augmentation().any()) std::printf("augmentation: %s\n", run.augmentation().str().c_str());
  if (!s.resume.empty())
    std::printf("resuming %s at epoch %zu, batch %zu, writing to %s/%s\n", s.resume.c_str(), run.start_epoch() + 1,
                run.start_batch(), s.out.c_str(), run.given("out") ? " (--out)" : "");
  if (live_) {
    LiveSetup l;
    l.title = s.out + ": " + s.model + " on " + run.data_dir();
    l.spec = run.spec(), l.input_shape = run.input_shape(), l.epochs = s.epochs, l.batches_per_epoch = run.batches_per_epoch();
    l.batch_size = s.batch_size, l.train_images = run.train_set().size(), l.lr = s.lr, l.test = &run.test_set();
    l.norm = run.normalization(), l.batch_loss = run.batch_loss(), l.history = history_to_json(run.history());
    live_->start(l);
    std::printf("live page: %s\n", live_->url().c_str());
    std::fflush(stdout);
  }
  guard_.emplace();
}

// Say where the run stopped and how to resume it; the exit code is 128 + the signal.
void ConsoleObserver::stopped(int sig, const std::string& where, TrainingRun& run) {
  progress_.finish();
  const std::string& out = run.settings().out;
  const std::string resume = program_ + " train --resume " + shell_quote(out + "/model.npz") + " --out " + shell_quote(out);
  const char* how = !InterruptGuard::signal() ? "stopped from the live page" : sig == SIGTERM ? "terminated" : "interrupted";
  std::fprintf(stderr, "\nminicnn train: %s %s; saved %s/model.npz\nresume with: %s\n", how, where.c_str(), out.c_str(),
               resume.c_str());
  if (!live_) return;
  const bool from_page = !InterruptGuard::signal();  // Ctrl-C or kill: the person wants out, at once
  live_->finish("stopped", std::string(how) + " " + where + "; resume with: " + resume + (from_page ? linger_note(run.settings()) : ""),
                run.model());
  if (from_page) linger(run.settings());
}

// After the run, the page stays up showing the final state: --live-linger seconds, or until
// Ctrl-C when a person is at the terminal; a script or a test (stdin or stdout not a terminal)
// gets a few seconds, so it never hangs.
constexpr int kLingerNotTerminal = 5;

int linger_seconds(const RunSettings& s) {
  if (s.live_linger >= 0) return s.live_linger;
  return ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO) ? -1 : kLingerNotTerminal;
}

// What the page says about its own lingering.
std::string ConsoleObserver::linger_note(const RunSettings& s) const {
  const int t = linger_seconds(s);
  if (t == 0) return "";
  return t < 0 ? "; this page stays up until Ctrl-C in the terminal" : "; this page stays up " + std::to_string(t) + " s more";
}

void ConsoleObserver::linger(const RunSettings& s) {
  const int t = linger_seconds(s);
  if (t == 0) return;
  if (t < 0)
    std::printf("live page: %s still shows the final state; Ctrl-C to leave\n", live_->url().c_str());
  else
    std::printf("live page: %s stays up %d s more%s\n", live_->url().c_str(), t,
                s.live_linger >= 0 ? "" : " (not a terminal, so not until Ctrl-C; --live-linger SECONDS to choose)");
  std::fflush(stdout);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(t < 0 ? 0 : t);
  while (!InterruptGuard::signal() && (t < 0 || std::chrono::steady_clock::now() < until))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// The summary, then a short "next" block: what to open, and commands that work when pasted (a
// picture of one's own aside).
void ConsoleObserver::finished(TrainingRun& run) {
  const RunSettings& s = run.settings();
  const double accuracy = run.last_accuracy();
  std::printf("\ntest accuracy %.2f%% after %zu epoch%s\n", 100 * accuracy, s.epochs, s.epochs == 1 ? "" : "s");
  std::printf("run folder: %s/  (model.npz, metrics.csv, config.json, checkpoints/)\n", s.out.c_str());
  std::vector<std::pair<std::string, std::string>> next;
  if (run.dist().writer()) try {
      next.emplace_back(write_run_report(s.out, program_, &run.test_set(), "", &run.model()),
                        "the report: curves, kernels, what the filters detect, mistakes");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: no report.html: %s (try: %s report %s)\n", e.what(), program_.c_str(), shell_quote(s.out).c_str());
    }
  if (run.first_conv()) next.emplace_back(s.out + "/kernels_filmstrip.png", "the first conv layer's kernels after each epoch");
  const std::string run_arg = shell_quote(s.out), picture = s.dataset == "mnist" ? "my_digit.png" : "my_picture.png";
  next.emplace_back(program_ + " predict " + run_arg + " " + picture, "classify a picture of yours");
  next.emplace_back(program_ + " explain " + run_arg + " " + picture, "which pixels decided it (writes explain/)");
  next.emplace_back(program_ + " serve " + run_arg, "draw or drop pictures in the browser, see every layer");
  std::size_t width = 0;
  for (const auto& [what, why] : next) width = std::max(width, what.size());
  std::printf("next:\n");
  for (const auto& [what, why] : next) std::printf("  %-*s  %s\n", static_cast<int>(width), what.c_str(), why.c_str());
  if (live_) {
    char done[160];
    std::snprintf(done, sizeof done, "test accuracy %.2f%% after %zu epoch%s", 100 * accuracy, s.epochs, s.epochs == 1 ? "" : "s");
    live_->finish("finished", done + linger_note(s), run.model());
    linger(s);
  }
}

}  // namespace

void add_train_command(CLI::App& app, Command& command) {
  auto settings = std::make_shared<RunSettings>();
  CLI::App* cmd = app.add_subcommand("train", "train a model on MNIST, Fashion-MNIST, CIFAR-10 or a folder of images and write a run folder");
  cmd->footer(
      "examples:\n"
      "  minicnn train --epochs 3 --out runs/mnist                   lenet5 on MNIST (data/mnist)\n"
      "  minicnn train --dataset fashion-mnist --out runs/fashion    Debian's Fashion-MNIST\n"
      "  minicnn train --data photos --augment crop,flip --out runs/p   one subfolder of images per class\n"
      "  minicnn train --model \"conv 8 3 pad=1, relu, maxpool 2, flatten, linear 10\" --out runs/s\n"
      "  minicnn train --resume runs/mnist/model.npz --epochs 5       continue a run in its folder (settings kept)\n"
      "  minicnn train --from resnet18.npz --freeze-until 11 --data photos --out runs/ft   train a new head for your classes\n"
  );
  add_run_options(*cmd, *settings);
  command.register_run(cmd, [settings, cmd](const std::string& cmdline) {
    const std::string program = program_of(cmdline);
    return run_distributed(settings->distributed, program, [&](DistributedRun& dist) {
      if (!settings->resume.empty()) {
        refuse_fixed_on_resume(*cmd);
        settings->resume = checkpoint_path(settings->resume);  // a run folder means its model.npz
      }
      ConsoleObserver console(program);
      TrainingRun run(*settings, given_settings(*cmd), dist, console);
      run.set_origin(cmdline, environment_info());
      return run.run();
    });
  });
}

}  // namespace minicnn::cli
