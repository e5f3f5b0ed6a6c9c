#include "minicnn/train/distributed.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "minicnn/layers/batch_norm2d.hpp"

namespace minicnn {

void SingleProcess::abort(int exit_code) { std::_Exit(exit_code); }

std::string mpi_launcher_variable() {
  // Open MPI's mpirun (and PMIx launchers: prterun, srun --mpi=pmix), MPICH's and Intel's Hydra
  // (and srun --mpi=pmi2), MVAPICH.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS", "MV2_COMM_WORLD_SIZE"}) {
    const char* s = std::getenv(v);
    if (s && *s) return v;
  }
  return {};
}

int launcher_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "MV2_COMM_WORLD_RANK"})
    if (const char* s = std::getenv(v)) return std::atoi(s);
  return 0;
}

namespace {

// The gradient hook of make_data_parallel: every trainable gradient packed into one buffer and
// summed in one collective (one message costs far less than one per parameter), then the batch's
// totals in a second, small one.
class GradientSum {
 public:
  GradientSum(Communicator& comm, Sequential& model) : comm_(&comm) {
    std::vector<const Parameter*> whole_batch;  // a synced BatchNorm's: the same on every rank already
    for (auto& [path, layer] : named_layers(model))
      if (auto* bn = dynamic_cast<BatchNorm2d*>(layer); bn && bn->synced())
        whole_batch.insert(whole_batch.end(), {&bn->weight(), &bn->bias()});
    for (auto& [name, p] : model.parameters())
      if (!p->frozen && std::find(whole_batch.begin(), whole_batch.end(), p) == whole_batch.end()) params_.push_back(p);
  }
  void operator()(BatchSums& s) {
    std::size_t n = 0;
    for (const Parameter* p : params_) n += p->grad.size();
    flat_.resize(n);
    float* out = flat_.data();
    for (const Parameter* p : params_) out = std::copy(p->grad.data(), p->grad.data() + p->grad.size(), out);
    comm_->all_reduce_sum(flat_.data(), n);
    const float* in = flat_.data();
    for (Parameter* p : params_) {
      std::copy(in, in + p->grad.size(), p->grad.data());
      in += p->grad.size();
    }
    double totals[4] = {s.loss_sum, static_cast<double>(s.correct), static_cast<double>(s.seen), s.finite ? 0.0 : 1.0};
    comm_->all_reduce_sum(totals, 4);
    s = {totals[0], static_cast<std::size_t>(totals[1]), static_cast<std::size_t>(totals[2]), totals[3] == 0.0};
  }

 private:
  Communicator* comm_;
  std::vector<Parameter*> params_;
  std::vector<float> flat_;
};

std::uint32_t crc(std::uint32_t c, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const Bytef*>(data);
  for (std::size_t done = 0; done < bytes;) {  // crc32 takes at most 4 GB at a time
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(bytes - done, 1u << 30));
    c = static_cast<std::uint32_t>(crc32(c, p + done, chunk));
    done += chunk;
  }
  return c;
}

std::uint32_t parameters_crc(Sequential& model) {
  std::uint32_t c = 0;
  for (auto& [name, p] : model.parameters()) c = crc(c, p->value.data(), p->value.size() * sizeof(float));
  return c;
}

}  // namespace

void make_data_parallel(Communicator& comm, Sequential& model, Trainer& trainer, DataLoader& loader, bool sync_batchnorm) {
  if (comm.world_size() == 1) return;
  loader.set_shard(static_cast<std::size_t>(comm.rank()), static_cast<std::size_t>(comm.world_size()));
  if (sync_batchnorm)
    for (auto& [path, layer] : named_layers(model))
      if (auto* bn = dynamic_cast<BatchNorm2d*>(layer))
        bn->set_sync([&comm](double* values, std::size_t n) { comm.all_reduce_sum(values, n); });
  trainer.set_gradient_hook(GradientSum(comm, model));
}

EvalResult evaluate(Communicator& comm, Sequential& model, const Dataset& data, Normalization norm, std::size_t batch_size) {
  const auto rank = static_cast<std::size_t>(comm.rank()), world = static_cast<std::size_t>(comm.world_size());
  EvalResult r = evaluate(model, data, norm, EvalOptions().batch_size(batch_size).rank(rank).world(world));
  if (world == 1) return r;
  // Counts as doubles are exact (below 2^53). Each batch's loss is non-zero on one rank only, and
  // adding zeros changes no bit, so the sum hands every rank each batch's loss as computed.
  std::vector<double> counts{static_cast<double>(r.correct), static_cast<double>(r.total)};
  for (const auto& row : r.confusion)
    for (const std::size_t c : row) counts.push_back(static_cast<double>(c));
  comm.all_reduce_sum(counts.data(), counts.size());
  comm.all_reduce_sum(r.batch_losses.data(), r.batch_losses.size());
  r.correct = static_cast<std::size_t>(counts[0]);
  r.total = static_cast<std::size_t>(counts[1]);
  std::size_t i = 2;
  for (auto& row : r.confusion)
    for (std::size_t& c : row) c = static_cast<std::size_t>(counts[i++]);
  double total_loss = 0;
  for (const double l : r.batch_losses) total_loss += l;  // in batch order, as evaluate() adds them
  r.loss = r.total ? total_loss / static_cast<double>(r.total) : 0.0;
  return r;
}

void broadcast_buffers(Communicator& comm, Sequential& model) {
  if (comm.world_size() == 1) return;
  for (auto& [name, t] : model.buffers()) comm.broadcast(t->data(), t->size(), 0);
}

std::vector<int> ranks_with_other_parameters(Communicator& comm, Sequential& model) {
  std::vector<double> sums(static_cast<std::size_t>(comm.world_size()), 0.0);
  sums[static_cast<std::size_t>(comm.rank())] = parameters_crc(model);
  comm.all_reduce_sum(sums.data(), sums.size());
  std::vector<int> other;
  for (std::size_t r = 1; r < sums.size(); ++r)
    if (sums[r] != sums[0]) other.push_back(static_cast<int>(r));
  return other;
}

std::uint32_t checksum(Sequential& model) {
  std::uint32_t c = parameters_crc(model);
  for (auto& [name, t] : model.buffers()) c = crc(c, t->data(), t->size() * sizeof(float));
  return c;
}

std::uint32_t checksum(const Dataset& data) {
  std::uint32_t c = crc(0, data.pixels.data(), data.pixels.size());
  c = crc(c, data.labels.data(), data.labels.size() * sizeof(int));
  const std::size_t shape[3] = {data.channels, data.rows, data.cols};
  c = crc(c, shape, sizeof shape);
  for (const auto& name : data.classes) c = crc(c, name.c_str(), name.size() + 1);
  return c;
}

}  // namespace minicnn
