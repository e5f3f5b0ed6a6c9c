#pragma once
// A training run as one rank of `mpirun -np N minicnn train ...` (docs/SCALING.md), or as the only
// process. TrainingRun (train/training_run.hpp) asks this unit the few questions data-parallel
// training adds (who writes, do all ranks agree to stop, ...); the gradient sums and sharded
// evaluation are train/distributed.hpp's.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "minicnn/train/distributed.hpp"

namespace minicnn {

// Every rank leaves training at the same point for the same reason: rank 0 reports it (error, if
// set), the others exit with `code` in silence.
struct AgreedExit {
  int code;
  std::exception_ptr error;
};

class DistributedRun {
 public:
  // A single process without MPI unless a launcher started this one; throws UsageError when
  // `distributed` (--distributed) asks for a launcher or an MPI this build lacks.
  DistributedRun(bool distributed, const std::string& program);
  ~DistributedRun();
  DistributedRun(const DistributedRun&) = delete;
  DistributedRun& operator=(const DistributedRun&) = delete;

  // Runs the training and returns its exit code, turning every way it can end into one the
  // ranks agree on: rank 0 reports an error all ranks share, a rank reports its own, a rank that
  // fails alone once training has started ends the whole job (MPI_Abort).
  int run(const std::function<int()>& train);

  int rank() const { return rank_; }
  int world_size() const { return size_; }
  bool writer() const { return rank_ == 0; }  // rank 0 prints and writes the run folder
  int threads_per_rank() const;  // the cores this rank may use, shared with the ranks beside it

  // The first meeting of the ranks, after each has read its settings, data and model: throws
  // AgreedExit (rank 0 explains) if any rank failed to get here or differs from rank 0 in
  // `settings` (but for the thread count), the data or the model's starting point.
  void check_same_everywhere(nlohmann::json settings, const std::string& spec, const Dataset& train, const Dataset& test,
                             Sequential& model);
  // Rank 0 runs fn (prepares the run folder); every rank throws AgreedExit if it failed.
  void writer_first(const std::function<void()>& fn);
  // The training is data-parallel from here on: slices, gradient sums, SyncBatchNorm if asked.
  // out: the run folder, named when a rank dies. Returns a line that says how the work is shared
  // ("data-parallel: ..."), empty for one process.
  std::string attach(Sequential& model, Trainer& trainer, DataLoader& loader, bool sync_batchnorm, const std::string& out);
  // After a batch or an epoch: the signal (SIGINT, SIGTERM) every rank stops for, or 0. A
  // collective: all ranks call it at the same points.
  int agree_on_signal(int local_signal);
  // The test set's loss and accuracy, shared out over the ranks; also checks that every rank
  // still holds rank 0's parameters, and gives every rank rank 0's BatchNorm statistics.
  EvalResult evaluate(Sequential& model, const Dataset& data, Normalization norm, std::size_t epoch, std::size_t batch_size);

 private:
  std::optional<AgreedExit> meet(const std::string& record, std::exception_ptr error);
  void start_watchdog();
  void finish();
  void say(const std::string& line) const;  // one line on this rank's real stderr

  std::unique_ptr<Communicator> comm_;  // null once finished
  int rank_ = 0, size_ = 1;
  bool mpi_ = false, training_started_ = false;
  std::string program_, out_;
  std::FILE* err_ = nullptr;  // ranks > 0: their stderr, kept while stdout and stderr go to /dev/null
  std::vector<int> pids_;
  std::vector<std::uint32_t> hosts_;
  std::thread watchdog_;
  std::mutex mutex_;
  std::condition_variable stop_watchdog_;
  bool watchdog_stopping_ = false;
};

// Runs a training in this process, one rank of an mpirun job or alone: train gets the process's
// DistributedRun. Returns the exit code; throws what the caller reports (exit_code_of, train/errors.hpp).
int run_distributed(bool distributed, const std::string& program, const std::function<int(DistributedRun&)>& train);

}  // namespace minicnn
