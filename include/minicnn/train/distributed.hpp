#pragma once
// Data-parallel training across processes (docs/SCALING.md). Every process, a "rank", holds the
// whole model and the whole dataset and trains on its slice of every batch; after the backward
// pass the ranks add up their gradients, so every rank takes the same optimiser step and the
// models stay equal. Communicator is all this needs from MPI; the functions below plug it into
// the Trainer, the DataLoader, BatchNorm2d and evaluate().
#include <memory>
#include <string>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn {

// The collective operations of data-parallel training, named as in torch.distributed. Every rank
// calls the same operations in the same order with the same sizes; each returns once every rank
// has made its call.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;        // this process: 0 .. world_size() - 1
  virtual int world_size() const = 0;  // how many processes train together
  // Replaces values[0 .. n) on every rank by its sum over the ranks, added in rank order:
  // ((v_0 + v_1) + v_2) + ... The sum is the same bits on every rank, and the same from run to run
  // whatever the timing of the messages.
  virtual void all_reduce_sum(float* values, std::size_t n) = 0;
  virtual void all_reduce_sum(double* values, std::size_t n) = 0;
  // Rank root's values (bytes), on every rank.
  virtual void broadcast(float* values, std::size_t n, int root) = 0;
  virtual void broadcast(std::string& bytes, int root) = 0;
  virtual void barrier() = 0;
  // Ends the whole job at once with this exit code, from any one rank (MPI_Abort): for an error
  // the other ranks cannot know about, which would otherwise leave them waiting for this one.
  [[noreturn]] virtual void abort(int exit_code) = 0;
  virtual std::string description() const = 0;  // "one process", "2 processes (Open MPI v4.1.4)"
};

// A process training alone: every collective leaves the values as they are.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(float*, std::size_t) override {}
  void all_reduce_sum(double*, std::size_t) override {}
  void broadcast(float*, std::size_t, int) override {}
  void broadcast(std::string&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override;
  std::string description() const override { return "one process"; }
};

// Whether this build of minicnn has MPI (CMake found Open MPI's libopenmpi-dev).
bool mpi_available();
// The environment variable by which an MPI launcher (mpirun, mpiexec, srun) told this process it
// is one rank of a job, e.g. "OMPI_COMM_WORLD_SIZE"; "" when nothing launched it.
std::string mpi_launcher_variable();
// This process's rank as the launcher's environment tells it (before MPI starts; 0 if unknown).
int launcher_rank();
// Joins the MPI job this process was launched into (MPI_Init); MPI is finalised when the
// communicator is destroyed. Throws std::runtime_error in a build without MPI. Once per process.
std::unique_ptr<Communicator> mpi_world();

// Makes trainer, loader and model one rank's share of data-parallel training: the loader loads
// the rank's slice of every batch; after each backward pass the gradients and the batch's totals
// are summed over the ranks (the loss is the mean over the whole batch, so the sum is the whole
// batch's gradient, the one a single process would compute); with sync_batchnorm every
// BatchNorm2d normalises with the whole batch's statistics (PyTorch's SyncBatchNorm). comm must
// outlive the trainer. Nothing changes when comm has one rank.
void make_data_parallel(Communicator& comm, Sequential& model, Trainer& trainer, DataLoader& loader, bool sync_batchnorm);

// evaluate() with the batches shared out over the ranks and the results added up: every rank gets
// the very numbers evaluate() computes in one process (the losses are added in batch order). The
// per-image answers (predicted, confidence) stay each rank's own shard's.
EvalResult evaluate(Communicator& comm, Sequential& model, const Dataset& data, Normalization norm,
                    std::size_t batch_size = 1000);

// Copies rank 0's buffers (BatchNorm's running statistics) to every rank, as PyTorch's
// DistributedDataParallel does (broadcast_buffers). The parameters stay equal by themselves; the
// running statistics drift apart when each rank normalises with its own slice, and rank 0's are
// the ones its checkpoints save.
void broadcast_buffers(Communicator& comm, Sequential& model);

// The ranks whose parameters are not the same bits as rank 0's (compared by checksum): empty
// unless the ranks' arithmetic differs (different builds or processors), which would make their
// models drift apart.
std::vector<int> ranks_with_other_parameters(Communicator& comm, Sequential& model);

// A CRC-32 of the model's parameters and buffers, of a dataset's images and labels: what ranks
// compare to be sure they start from the same model and data.
std::uint32_t checksum(Sequential& model);
std::uint32_t checksum(const Dataset& data);

}  // namespace minicnn
