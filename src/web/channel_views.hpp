#pragma once
// Private to the web part: what the draw page shows for one channel of a layer's output, its 9
// strongest test-set crops (Zeiler & Fergus) and its synthesized input (activation maximisation),
// both from explain/. A layer's are computed on first click, on a thread of its own with the run's
// test set and a second copy of the model (predictions go on meanwhile), then kept in memory and
// in the run's features/ folder exactly as `minicnn features --synthesize` writes them
// (explain/feature_files.hpp): files either one wrote are read instead of computed again.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/top_activations.hpp"

namespace minicnn {

class ChannelViews {
 public:
  struct Setup {
    std::function<Dataset()> load_test;                       // the run's test set, as in training
    std::function<std::unique_ptr<Sequential>()> load_model;  // a copy of the model, in eval mode
    Normalization norm;
    Shape input_shape;  // (C, H, W)
    std::vector<std::string> classes;
    std::string folder;                   // where the files go ("RUN/features"); empty: memory only
    std::map<std::string, Shape> layers;  // the layers one can ask about: path -> output per image
    std::size_t top = 9;                  // crops per channel
  };
  explicit ChannelViews(Setup setup);
  ~ChannelViews();  // stops the work under way
  ChannelViews(const ChannelViews&) = delete;
  ChannelViews& operator=(const ChannelViews&) = delete;

  // The answer to /api/channel?layer=L&channel=K, as JSON: {"state": "ready", "title", "field",
  // "crops": [{"picture", "activation", "class", "image"}], "synth"} (pictures as PNG data URLs);
  // {"state": "working", "stage", "done", "total"} while the layer is computed (asking starts the
  // work); {"error"} with status 400 for a layer or channel the page does not have, 500 when the
  // work failed (e.g. the test set cannot be read).
  std::string ask(const std::string& layer, const std::string& channel, int& status);

 private:
  struct Views {
    explain::LayerTopActivations top;
    Tensor synth;  // (channels, C, H, W), normalised
    std::vector<std::pair<std::size_t, std::size_t>> synth_at;  // per channel: its strongest position on its synthesized input
    explain::ReceptiveField rf;
    std::string title;
  };
  void work();
  Views compute(const std::string& layer);
  void set_stage(const std::string& stage, std::size_t done, std::size_t total);
  std::string render(const Views& v, std::size_t channel) const;

  Setup setup_;
  std::mutex mutex_;  // guards everything below up to thread_
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::map<std::string, std::unique_ptr<const Views>> ready_;
  std::map<std::string, std::string> failed_;
  std::string current_, stage_;
  std::size_t done_ = 0, total_ = 0;
  std::atomic<bool> stop_{false};
  // Only the worker thread touches these (the test set is only read once a layer is ready).
  std::unique_ptr<Sequential> model_;
  std::optional<Dataset> test_;
  std::thread thread_;
};

}  // namespace minicnn
