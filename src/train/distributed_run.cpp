// `minicnn train` across processes: starting (or refusing to), the ranks' meetings, the watchdog
// that notices a rank that died, and how a data-parallel run ends (docs/SCALING.md).
#include "minicnn/train/distributed_run.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "minicnn/core/threads.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/core/spec.hpp"
#include "minicnn/layers/batch_norm2d.hpp"

namespace minicnn {

namespace {

// Which machine, and which process namespace on it, this is: ranks with the same id can see each
// other's processes (kill(pid, 0)).
std::uint32_t host_id() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string id = name, boot;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot;
  char ns[256] = {};
  if (readlink("/proc/self/ns/pid", ns, sizeof ns - 1) > 0) id += ns;
  id += boot;
  return static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(id.data()), static_cast<uInt>(id.size())));
}

std::string hex(std::uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "%08x", v);
  return s;
}

// "ranks 1, 3" / "rank 2"
std::string ranks_str(const std::vector<int>& ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

// What differs between this rank's record and rank 0's: "seed 2 here, 1 on rank 0; ...".
std::string differences(const nlohmann::json& mine, const nlohmann::json& zero) {
  std::string out;
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [k, v] : mine.items()) keys[k] = true;
  for (const auto& [k, v] : zero.items()) keys[k] = true;
  for (const auto& [k, unused] : keys.items()) {
    const nlohmann::json a = mine.value(k, nlohmann::json()), b = zero.value(k, nlohmann::json());
    if (a != b) out += (out.empty() ? "" : "; ") + k + " " + a.dump() + " here, " + b.dump() + " on rank 0";
  }
  return out;
}

}  // namespace

DistributedRun::DistributedRun(bool distributed, const std::string& program) : program_(program) {
  const std::string launcher = mpi_launcher_variable();
  if (!mpi_available() && (distributed || !launcher.empty())) {
    // Without MPI every process would train the whole model alone and all would write one folder.
    const std::string how =
        " was built without MPI. Install Open MPI (apt-get install libopenmpi-dev openmpi-bin, or scripts/setup.sh) "
        "and build again (cmake -S . -B build && cmake --build build)";
    if (launcher_rank() > 0) throw AgreedExit{kExitUsage, nullptr};  // rank 0 says it, once
    throw AgreedExit{kExitUsage, std::make_exception_ptr(UsageError(
                                     launcher.empty() ? "--distributed: this minicnn" + how
                                                      : "started by an MPI launcher (" + launcher + " is set), but this minicnn" + how))};
  }
  if (launcher.empty()) {
    if (distributed)
      throw UsageError("--distributed: this process was not started by an MPI launcher; start the ranks with mpirun -np N " +
                       program + " train ...");
    comm_ = std::make_unique<SingleProcess>();
    return;
  }
  comm_ = mpi_world();
  mpi_ = true;
  rank_ = comm_->rank();
  size_ = comm_->world_size();
  // mpirun forwards SIGTERM and then closes the ranks' output pipes: a write to them would kill a
  // rank with SIGPIPE before it saves. Ignored, the write fails quietly and the checkpoint is saved.
  std::signal(SIGPIPE, SIG_IGN);
  if (rank_ > 0) {  // rank 0 speaks for all: the others' output goes nowhere but their own errors
    err_ = fdopen(dup(fileno(stderr)), "w");
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr))
      throw std::runtime_error("cannot open /dev/null");
  }
}

DistributedRun::~DistributedRun() {
  finish();
  if (err_) std::fclose(err_);
}

void DistributedRun::say(const std::string& line) const {
  std::FILE* f = err_ ? err_ : stderr;
  std::fprintf(f, "%s\n", line.c_str());
  std::fflush(f);
}

int DistributedRun::threads_per_rank() const {
  if (!mpi_) return default_num_threads();
  // mpirun binds each rank to a core unless told --bind-to none; unbound, the ranks of one machine
  // share its cores.
  cpu_set_t set;
  CPU_ZERO(&set);
  const int usable = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : default_num_threads();
  int local = 1;
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "MV2_COMM_WORLD_LOCAL_SIZE"})
    if (const char* s = std::getenv(v)) local = std::max(1, std::atoi(s));
  return std::max(1, std::min(usable, default_num_threads() / local));
}

int DistributedRun::run(const std::function<int()>& train) {
  if (!mpi_) return train();
  try {
    const int code = train();
    finish();
    return code;
  } catch (const AgreedExit& e) {
    finish();
    if (e.error && writer()) std::rethrow_exception(e.error);
    return e.code;
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    if (!training_started_) {  // every other rank comes to the first meeting, or fails on its way there
      const AgreedExit e = *meet("", error);
      finish();
      if (e.error && writer()) std::rethrow_exception(e.error);
      return e.code;
    }
    if (exit_code_of(error) == kExitNumerical) {  // every rank found it at the same batch: rank 0 reports it
      finish();
      if (writer()) std::rethrow_exception(error);
      return kExitNumerical;
    }
    // This rank alone failed: the others cannot know, and would wait for it forever.
    say("minicnn train: rank " + std::to_string(rank_) + ": error: " + message_of(error) + " (ending every rank)");
    comm_->abort(exit_code_of(error));
  }
  return kExitError;  // not reached: abort() ends the process
}

// Every rank says whether it got here (or why not) and what it is about to train on; rank 0's
// account is the reference. No other collective may come before this one.
std::optional<AgreedExit> DistributedRun::meet(const std::string& record, std::exception_ptr error) {
  const auto P = static_cast<std::size_t>(size_), r = static_cast<std::size_t>(rank_);
  const int code = error ? exit_code_of(error) : 0;
  const std::string message = error ? message_of(error) : "";
  std::string packet = nlohmann::json{{"record", record}, {"error", message}, {"code", code}}.dump();
  comm_->broadcast(packet, 0);
  const nlohmann::json zero = nlohmann::json::parse(packet);
  const std::string diff = !error && zero["code"] == 0
                               ? differences(nlohmann::json::parse(record), nlohmann::json::parse(zero["record"].get<std::string>()))
                               : "";
  std::vector<double> v(4 * P, 0.0);  // per rank: exit code, differs, pid, host
  v[r] = code, v[P + r] = diff.empty() ? 0 : 1, v[2 * P + r] = getpid(), v[3 * P + r] = host_id();
  comm_->all_reduce_sum(v.data(), v.size());
  std::vector<int> failed, differing;
  pids_.resize(P), hosts_.resize(P);
  for (std::size_t i = 0; i < P; ++i) {
    if (v[i] != 0) failed.push_back(static_cast<int>(i));
    if (v[P + i] != 0) differing.push_back(static_cast<int>(i));
    pids_[i] = static_cast<int>(v[2 * P + i]);
    hosts_[i] = static_cast<std::uint32_t>(v[3 * P + i]);
  }
  if (failed.empty() && differing.empty()) return std::nullopt;
  const std::string me = "minicnn train: rank " + std::to_string(rank_);
  if (r > 0 && error && message != zero["error"].get<std::string>()) say(me + ": error: " + message);
  if (!diff.empty()) say(me + " differs from rank 0: " + diff);
  if (r > 0) return AgreedExit{code ? code : diff.empty() ? kExitError : kExitUsage, nullptr};
  if (error) return AgreedExit{code, error};
  std::string what;
  if (!failed.empty()) what = ranks_str(failed) + " could not start (see above)";
  if (!differing.empty())
    what += (what.empty() ? "" : "; ") + ranks_str(differing) +
            " started with other settings, data or model than rank 0 (see above); start every rank with the same "
            "command, data and build of minicnn";
  return AgreedExit{kExitUsage, std::make_exception_ptr(UsageError(what))};
}

void DistributedRun::check_same_everywhere(nlohmann::json settings, const std::string& spec, const Dataset& train,
                                           const Dataset& test, Sequential& model) {
  if (!mpi_) return;
  settings.erase("threads");  // machines may have different numbers of cores
  settings["model"] = spec;
  settings["training data"] = {{"images", train.size()}, {"checksum", hex(checksum(train))}};
  settings["test data"] = {{"images", test.size()}, {"checksum", hex(checksum(test))}};
  settings["model's starting point"] = {{"checksum", hex(checksum(model))}};
  if (auto e = meet(settings.dump(), nullptr)) throw *e;
  training_started_ = true;
  start_watchdog();
}

void DistributedRun::writer_first(const std::function<void()>& fn) {
  if (!mpi_) return fn();
  std::exception_ptr error;
  if (writer()) try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  std::string code = std::to_string(error ? exit_code_of(error) : 0);
  comm_->broadcast(code, 0);
  if (code != "0") throw AgreedExit{std::stoi(code), error};
}

std::string DistributedRun::attach(Sequential& model, Trainer& trainer, DataLoader& loader, bool sync_batchnorm, const std::string& out) {
  out_ = out;
  make_data_parallel(*comm_, model, trainer, loader, sync_batchnorm);
  if (size_ == 1) return "";
  const bool has_bn = [&] {
    for (auto& [path, layer] : named_layers(model))
      if (dynamic_cast<BatchNorm2d*>(layer)) return true;
    return false;
  }();
  return "data-parallel: " + comm_->description() + "; each takes its 1/" + std::to_string(size_) + " of every batch of " +
         std::to_string(loader.batch_size()) + " images, and the gradients are summed" +
         (!has_bn ? "" : sync_batchnorm ? "; BatchNorm statistics over the whole batch (--sync-batchnorm)"
                                        : "; BatchNorm statistics per process (--sync-batchnorm: over the whole batch)");
}

int DistributedRun::agree_on_signal(int local_signal) {
  if (size_ == 1) return local_signal;
  double v[2] = {local_signal == SIGINT ? 1.0 : 0.0, local_signal == SIGTERM ? 1.0 : 0.0};
  comm_->all_reduce_sum(v, 2);
  return v[1] > 0 ? SIGTERM : v[0] > 0 ? SIGINT : 0;
}

EvalResult DistributedRun::evaluate(Sequential& model, const Dataset& data, Normalization norm, std::size_t epoch,
                                    std::size_t batch_size) {
  if (size_ > 1) {
    const std::vector<int> other = ranks_with_other_parameters(*comm_, model);
    if (!other.empty())
      throw AgreedExit{kExitError, std::make_exception_ptr(std::runtime_error(
                                       "after epoch " + std::to_string(epoch) + " the parameters of " + ranks_str(other) +
                                       " differ from rank 0's: the ranks compute differently (another build of minicnn, or "
                                       "another kind of processor?); every rank must run the same build"))};
    broadcast_buffers(*comm_, model);
  }
  return minicnn::evaluate(*comm_, model, data, norm, batch_size);
}

// A rank that dies (kill -9, out of memory) leaves the others waiting in a collective; mpirun ends
// them about a second later. Ranks on the same machine notice sooner, and say which rank it was.
void DistributedRun::start_watchdog() {
  if (size_ == 1) return;
  watchdog_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto me = static_cast<std::size_t>(rank_);
    while (!stop_watchdog_.wait_for(lock, std::chrono::milliseconds(200), [this] { return watchdog_stopping_; })) {
      for (std::size_t r = 0; r < pids_.size(); ++r) {
        if (r == me || hosts_[r] != hosts_[me] || kill(pids_[r], 0) == 0 || errno != ESRCH) continue;
        say("minicnn train: rank " + std::to_string(r) + " (process " + std::to_string(pids_[r]) +
            ") has ended unexpectedly; rank " + std::to_string(rank_) + " stops too. The checkpoints already in " + out_ +
            " are intact: resume from " + out_ + "/model.npz, with any number of processes");
        std::_Exit(kExitError);
      }
    }
  });
}

void DistributedRun::finish() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    watchdog_stopping_ = true;
  }
  stop_watchdog_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  std::fflush(stdout);
  comm_.reset();  // MPI_Finalize: every rank gets here, or the job was aborted
}

int run_distributed(bool distributed, const std::string& program, const std::function<int(DistributedRun&)>& train) {
  try {
    DistributedRun run(distributed, program);
    return run.run([&] { return train(run); });
  } catch (const AgreedExit& e) {
    if (e.error) std::rethrow_exception(e.error);
    return e.code;
  }
}

}  // namespace minicnn
