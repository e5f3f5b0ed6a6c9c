#include <doctest/doctest.h>

#include <csignal>

#include "files.hpp"
#include "minicnn/data/shapes.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/training_run.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

// Watches quietly: counts what it is told, and asks to stop after `stop_after` batches (0: never).
struct Counter : TrainingObserver {
  std::size_t batches = 0, epochs = 0, stop_after = 0;
  bool started = false, finished_ = false, stopped_ = false;
  void starting(TrainingRun&) override { started = true; }
  void after_batch(const BatchReport&, TrainingRun&) override { ++batches; }
  void after_epoch(const EpochReport&, const EvalResult&, TrainingRun&) override { ++epochs; }
  int stop_signal() override { return stop_after && batches >= stop_after ? SIGINT : 0; }
  void stopped(int, const std::string&, TrainingRun&) override { stopped_ = true; }
  void finished(TrainingRun&) override { finished_ = true; }
};

RunSettings tiny_run(const TempDir& dir, const std::string& out) {
  RunSettings s;
  s.data = dir / "shapes";
  s.model = "conv 4 3 pad=1, relu, maxpool 2, flatten, linear 4";
  s.epochs = 2, s.batch_size = 8, s.threads = 1;
  s.out = dir / out;
  return s;
}

RunRecord record_of(const std::string& path) { return RunRecord::read_from(read_checkpoint(path).info); }

}  // namespace

TEST_CASE("TrainingRun trains quietly, and a stopped run resumes to the same bytes") {
  TempDir dir("training-run");
  save_image_folder(make_shapes(48, 12), dir / "shapes");  // unsplit: 10% held out per class
  DistributedRun alone(false, "minicnn");

  Counter whole;
  TrainingRun run(tiny_run(dir, "whole"), {"model", "data", "epochs", "batch_size", "threads", "out"}, alone, whole);
  REQUIRE(run.run() == kExitOk);
  CHECK(whole.started);
  CHECK(whole.finished_);
  CHECK(whole.epochs == 2);
  CHECK(run.settings().optimizer == "adam");  // an image folder: apply_data_defaults chose Adam ...
  CHECK(run.settings().lr == kAdamLr);        // ... at its rate
  const RunRecord r = record_of(dir / "whole/model.npz");
  CHECK(r.progress->epochs_done == 2);
  CHECK(r.history->size() == 2);
  CHECK(r.kernel_history.size() == 3);  // before training and after each epoch
  CHECK(r.batch_loss.size() == whole.batches);
  CHECK(path_exists(dir / "whole/metrics.csv"));
  CHECK(path_exists(dir / "whole/kernels_filmstrip.png"));

  Counter first;
  first.stop_after = 3;
  TrainingRun stopped(tiny_run(dir, "parts"), {"model", "data", "epochs", "batch_size", "threads", "out"}, alone, first);
  CHECK(stopped.run() == 128 + SIGINT);
  CHECK(first.stopped_);
  CHECK(record_of(dir / "parts/model.npz").progress->batches_done == 3);

  RunSettings again;
  again.resume = dir / "parts/model.npz";
  again.out = dir / "parts";
  Counter rest;
  TrainingRun resumed(again, {"resume", "out"}, alone, rest);
  REQUIRE(resumed.run() == kExitOk);
  CHECK(first.batches + rest.batches == whole.batches);
  CHECK(read_bytes(dir / "parts/model.npz") == read_bytes(dir / "whole/model.npz"));
}

TEST_CASE("run_folder_of: the run folder a checkpoint belongs to") {
  CHECK(run_folder_of("runs/a/model.npz") == "runs/a");
  CHECK(run_folder_of("runs/a/checkpoints/epoch_1.npz") == "runs/a");
  CHECK(run_folder_of("model.npz") == ".");
  CHECK(run_folder_of("checkpoints/epoch_2.npz") == ".");
  CHECK(run_folder_of("/model.npz") == "/");
  CHECK(run_folder_of("imported/tune.npz") == "");  // not a run folder's: the default --out stays
}

TEST_CASE("TrainingRun resumed without --out continues in the checkpoint's folder, and run again has nothing to do") {
  TempDir dir("training-run-in-place");
  save_image_folder(make_shapes(48, 12), dir / "shapes");
  DistributedRun alone(false, "minicnn");
  RunSettings two = tiny_run(dir, "whole");
  two.lr_schedule = "constant";  // a 1-epoch run continued to 2 then equals a 2-epoch run (cosine depends on the length)
  Counter whole;
  REQUIRE(TrainingRun(two, {"model", "data", "epochs", "batch_size", "threads", "out", "lr_schedule"}, alone, whole).run() == kExitOk);
  RunSettings one = two;
  one.out = dir / "run";
  one.epochs = 1;
  Counter first;
  REQUIRE(TrainingRun(one, {"model", "data", "epochs", "batch_size", "threads", "out", "lr_schedule"}, alone, first).run() == kExitOk);

  RunSettings more;
  more.resume = dir / "run/model.npz";
  more.epochs = 2;
  Counter rest;
  TrainingRun resumed(more, {"resume", "epochs"}, alone, rest);
  REQUIRE(resumed.run() == kExitOk);
  CHECK(resumed.settings().out == dir / "run");
  CHECK(rest.epochs == 1);
  CHECK(read_bytes(dir / "run/model.npz") == read_bytes(dir / "whole/model.npz"));
  CHECK(read_metrics_csv(dir / "run/metrics.csv").size() == 2);

  struct Notes : Counter {
    std::vector<std::string> lines;
    void note(const std::string& line) override { lines.push_back(line); }
  } again;
  REQUIRE(TrainingRun(more, {"resume", "epochs"}, alone, again).run() == kExitOk);
  CHECK(!again.started);
  REQUIRE(again.lines.size() == 1);
  CHECK(again.lines[0].find("has already trained 2 of 2 epochs: nothing to do") != std::string::npos);
  CHECK(read_bytes(dir / "run/model.npz") == read_bytes(dir / "whole/model.npz"));
}
