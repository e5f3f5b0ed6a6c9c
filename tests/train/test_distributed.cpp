#include "helpers.hpp"

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "minicnn/train/distributed.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

// The ranks of a data-parallel run as threads of this process: every collective waits for all of
// them, then adds their values in rank order, as MPI's side (distributed_mpi.cpp) does.
class ThreadWorld {
 public:
  explicit ThreadWorld(int size) : size_(size), parts_(static_cast<std::size_t>(size)) {}
  int size() const { return size_; }

  // Deposits rank's bytes; once every rank has, combine(parts) makes the result every rank copies.
  std::string meet(int rank, std::string mine, const std::function<std::string(const std::vector<std::string>&)>& combine) {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::size_t generation = generation_;
    parts_[static_cast<std::size_t>(rank)] = std::move(mine);
    if (++arrived_ == size_) {
      result_ = combine(parts_);
      arrived_ = 0;
      ++generation_;
      done_.notify_all();
    } else {
      done_.wait(lock, [&] { return generation_ != generation; });
    }
    return result_;
  }

 private:
  int size_, arrived_ = 0;
  std::size_t generation_ = 0;
  std::vector<std::string> parts_;
  std::string result_;
  std::mutex mutex_;
  std::condition_variable done_;
};

class ThreadRank final : public Communicator {
 public:
  ThreadRank(ThreadWorld& world, int rank) : world_(world), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return world_.size(); }
  void all_reduce_sum(float* values, std::size_t n) override { sum(values, n); }
  void all_reduce_sum(double* values, std::size_t n) override { sum(values, n); }
  void broadcast(float* values, std::size_t n, int root) override {
    std::string bytes(reinterpret_cast<const char*>(values), n * sizeof(float));
    broadcast(bytes, root);
    std::memcpy(values, bytes.data(), n * sizeof(float));
  }
  void broadcast(std::string& bytes, int root) override {
    bytes = world_.meet(rank_, bytes, [root](const std::vector<std::string>& p) { return p[static_cast<std::size_t>(root)]; });
  }
  void barrier() override { world_.meet(rank_, "", [](const std::vector<std::string>&) { return std::string(); }); }
  [[noreturn]] void abort(int) override { std::abort(); }
  std::string description() const override { return "threads"; }

 private:
  template <class T>
  void sum(T* values, std::size_t n) {
    const std::string r = world_.meet(rank_, std::string(reinterpret_cast<const char*>(values), n * sizeof(T)),
                                      [n](const std::vector<std::string>& parts) {
                                        std::vector<T> s(n), v(n);
                                        std::memcpy(s.data(), parts[0].data(), n * sizeof(T));
                                        for (std::size_t k = 1; k < parts.size(); ++k) {
                                          std::memcpy(v.data(), parts[k].data(), n * sizeof(T));
                                          for (std::size_t i = 0; i < n; ++i) s[i] += v[i];
                                        }
                                        return std::string(reinterpret_cast<const char*>(s.data()), n * sizeof(T));
                                      });
    std::memcpy(values, r.data(), n * sizeof(T));
  }
  ThreadWorld& world_;
  int rank_;
};

// n random 8x8 grey images of the ten digit classes.
Dataset noise_images(std::size_t n) {
  Dataset d;
  d.name = "noise";
  d.rows = 8;
  d.cols = 8;
  d.classes = digit_classes();
  Rng rng(11);
  for (std::size_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int>(rng.below(10)));
    for (std::size_t k = 0; k < 64; ++k) d.pixels.push_back(static_cast<std::uint8_t>(rng.below(256)));
  }
  return d;
}

Sequential small_model(bool batchnorm) {
  manual_seed(5);
  Sequential m;
  m.add<Conv2d>(1, 4, 3, 1, 1);
  if (batchnorm) m.add<BatchNorm2d>(4);
  m.add<ReLU>();
  m.add<MaxPool2d>(2);
  m.add<Flatten>();
  m.add<Linear>(4 * 4 * 4, 10);
  return m;
}

bool same_bits(Sequential& a, Sequential& b) {
  auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (std::memcmp(pa[i].second->value.data(), pb[i].second->value.data(), pa[i].second->value.size() * sizeof(float)))
      return false;
  return true;
}

// One epoch of 160 images in batches of 64 (the last one 32): one process with `threads` threads,
// or `ranks` ranks of one thread each. Returns rank 0's model and evaluation. Every layer then
// splits a batch into the same pieces either way (Linear gives a thread no fewer than 16 rows: a
// batch of 20 would be one piece in one process and two in two ranks, and differ in the last bits).
struct Run {
  Sequential model;
  EvalResult eval;
};
Run train_epoch(bool batchnorm, int threads, int ranks, bool sync_batchnorm = false) {
  const Dataset data = noise_images(160);
  const auto R = static_cast<std::size_t>(ranks);
  std::vector<Sequential> models;
  for (std::size_t r = 0; r < R; ++r) models.push_back(small_model(batchnorm));
  std::vector<std::unique_ptr<SGD>> opts;
  std::vector<std::unique_ptr<DataLoader>> loaders;
  std::vector<std::unique_ptr<Trainer>> trainers;
  ThreadWorld world(ranks);
  std::vector<std::unique_ptr<ThreadRank>> comms;
  for (std::size_t r = 0; r < R; ++r) {
    opts.push_back(std::make_unique<SGD>(models[r].parameters(), 0.05f, 0.9f));
    loaders.push_back(std::make_unique<DataLoader>(data, 64, true, 3));
    trainers.push_back(std::make_unique<Trainer>(models[r], *opts[r], *loaders[r]));
    comms.push_back(std::make_unique<ThreadRank>(world, static_cast<int>(r)));
    if (ranks > 1) make_data_parallel(*comms[r], models[r], *trainers[r], *loaders[r], sync_batchnorm);
  }
  set_num_threads(threads);
  std::vector<EvalResult> evals(R);
  std::vector<std::thread> pool;
  for (std::size_t r = 0; r < R; ++r)
    pool.emplace_back([&, r] {
      trainers[r]->run_epoch(0);
      evals[r] = evaluate(*comms[r], models[r], data, Normalization{}, 25);
    });
  for (auto& t : pool) t.join();
  set_num_threads(1);
  for (std::size_t r = 1; r < R; ++r) {
    CHECK(same_bits(models[0], models[r]));  // the ranks stay equal
    CHECK(evals[r].loss == evals[0].loss);
  }
  return {std::move(models[0]), evals[0]};
}

}  // namespace

TEST_CASE("DataLoader shards: the ranks' slices of a batch, in rank order, are the batch") {
  const Dataset d = noise_images(25);
  DataLoader whole(d, 10, true, 3);
  whole.set_epoch(1);
  for (std::size_t world = 1; world <= 3; ++world) {
    std::vector<DataLoader> shards(world, DataLoader(d, 10, true, 3));
    for (std::size_t r = 0; r < world; ++r) {
      shards[r].set_shard(r, world);
      shards[r].set_epoch(1);
    }
    for (std::size_t b = 0; b < whole.num_batches(); ++b) {
      Tensor x, xs;
      std::vector<int> labels, ls;
      whole.load_batch(b, x, labels);
      std::vector<int> joined;
      std::vector<float> pixels;
      for (auto& s : shards) {
        s.load_batch(b, xs, ls);
        joined.insert(joined.end(), ls.begin(), ls.end());
        pixels.insert(pixels.end(), xs.data(), xs.data() + xs.size());
        CHECK(s.batch_length(b) == labels.size());
      }
      CHECK(joined == labels);
      CHECK(pixels == std::vector<float>(x.data(), x.data() + x.size()));
    }
  }
  DataLoader loader(d, 10, true, 3);
  CHECK_THROWS_AS(loader.set_shard(3, 3), std::invalid_argument);
}

TEST_CASE("Two ranks of one thread train the very bits of one process with two threads, and share out evaluation") {
  Run alone = train_epoch(false, 2, 1), ranks = train_epoch(false, 1, 2);
  CHECK(same_bits(alone.model, ranks.model));
  const EvalResult whole = evaluate(alone.model, noise_images(160), Normalization{}, EvalOptions().batch_size(25));
  CHECK(ranks.eval.loss == whole.loss);
  CHECK(ranks.eval.correct == whole.correct);
  CHECK(ranks.eval.total == 160);
  CHECK(ranks.eval.confusion == whole.confusion);
}

TEST_CASE("BatchNorm across ranks: synced, the whole batch's statistics, by default each rank's own") {
  Run alone = train_epoch(true, 2, 1), synced = train_epoch(true, 1, 2, true), own = train_epoch(true, 1, 2, false);
  CHECK(same_bits(alone.model, synced.model));
  CHECK_FALSE(same_bits(alone.model, own.model));
}

