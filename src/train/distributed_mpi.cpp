// The MPI side of train/distributed.hpp. CMake defines MINICNN_HAVE_MPI for this file when it
// finds MPI; without it, mpi_world() says how to get it.
#include "minicnn/train/distributed.hpp"

#include <cstdlib>
#include <stdexcept>

#ifdef MINICNN_HAVE_MPI
#include <mpi.h>

#include <vector>
#endif

namespace minicnn {

#ifndef MINICNN_HAVE_MPI

bool mpi_available() { return false; }

std::unique_ptr<Communicator> mpi_world() {
  throw std::runtime_error(
      "this minicnn was built without MPI; install Open MPI (apt-get install libopenmpi-dev openmpi-bin, "
      "or scripts/setup.sh) and build again (cmake -S . -B build && cmake --build build)");
}

#else

bool mpi_available() { return true; }

namespace {

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <>
MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

// MPI_COMM_WORLD. Only the main thread calls MPI (MPI_THREAD_FUNNELED): OpenMP's threads compute,
// they never communicate.
class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiWorld() override { MPI_Finalize(); }
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  void all_reduce_sum(float* values, std::size_t n) override { sum_in_rank_order(values, n, float_scratch_); }
  void all_reduce_sum(double* values, std::size_t n) override { sum_in_rank_order(values, n, double_scratch_); }
  void broadcast(float* values, std::size_t n, int root) override {
    MPI_Bcast(values, static_cast<int>(n), MPI_FLOAT, root, MPI_COMM_WORLD);
  }
  void broadcast(std::string& bytes, int root) override {
    unsigned long long n = bytes.size();
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD);
    bytes.resize(n);
    MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD);
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // MPI_Abort does not return; this tells the compiler so
  }
  std::string description() const override {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, static_cast<std::size_t>(len));
    v = v.substr(0, v.find_first_of(",\n"));  // "Open MPI v4.1.4"
    return std::to_string(size_) + " processes (" + v + ")";
  }

 private:
  template <class T>
  void sum_in_rank_order(T* values, std::size_t n, std::vector<T>& scratch);

  int rank_ = 0, size_ = 1;
  std::vector<float> float_scratch_;
  std::vector<double> double_scratch_;
  std::vector<int> counts_, offsets_, recv_counts_, recv_offsets_;
};

// MPI_Allreduce would add the ranks' values in whatever order its algorithm (chosen by message
// size, rank count and tuning) dictates, and does not promise the same bits on every rank. Here
// every element is added in rank order, once, by one rank, and the sums are then copied to all:
//   small messages: every rank gathers every rank's values (MPI_Allgather) and adds them itself;
//   large ones: a reduce-scatter by hand (rank r receives everyone's part r with MPI_Alltoallv
//   and adds it up), then MPI_Allgatherv shares the sums out. This moves 2 (P-1)/P n values per
//   rank, as a ring allreduce does; docs/SCALING.md measures both against MPI_Allreduce.
template <class T>
void MpiWorld::sum_in_rank_order(T* values, std::size_t n, std::vector<T>& scratch) {
  const auto P = static_cast<std::size_t>(size_);
  if (P == 1 || n == 0) return;
  const MPI_Datatype type = mpi_type<T>();
  scratch.resize(n * P);
  if ((P - 1) * n * sizeof(T) <= 64 * 1024) {
    MPI_Allgather(values, static_cast<int>(n), type, scratch.data(), static_cast<int>(n), type, MPI_COMM_WORLD);
    for (std::size_t i = 0; i < n; ++i) {
      T s = scratch[i];
      for (std::size_t r = 1; r < P; ++r) s += scratch[r * n + i];
      values[i] = s;
    }
    return;
  }
  counts_.resize(P), offsets_.resize(P), recv_counts_.resize(P), recv_offsets_.resize(P);
  for (std::size_t r = 0; r < P; ++r) {
    offsets_[r] = static_cast<int>(n * r / P);
    counts_[r] = static_cast<int>(n * (r + 1) / P) - offsets_[r];
  }
  const auto me = static_cast<std::size_t>(rank_);
  const int mine = counts_[me];
  for (std::size_t r = 0; r < P; ++r) recv_counts_[r] = mine, recv_offsets_[r] = static_cast<int>(r) * mine;
  MPI_Alltoallv(values, counts_.data(), offsets_.data(), type, scratch.data(), recv_counts_.data(), recv_offsets_.data(),
                type, MPI_COMM_WORLD);
  T* part = values + offsets_[me];
  for (int i = 0; i < mine; ++i) {
    T s = scratch[static_cast<std::size_t>(i)];
    for (std::size_t r = 1; r < P; ++r) s += scratch[r * static_cast<std::size_t>(mine) + static_cast<std::size_t>(i)];
    part[i] = s;
  }
  MPI_Allgatherv(MPI_IN_PLACE, 0, type, values, counts_.data(), offsets_.data(), type, MPI_COMM_WORLD);
}

}  // namespace

std::unique_ptr<Communicator> mpi_world() { return std::make_unique<MpiWorld>(); }

#endif

}  // namespace minicnn
