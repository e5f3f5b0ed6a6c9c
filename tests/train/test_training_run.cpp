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
