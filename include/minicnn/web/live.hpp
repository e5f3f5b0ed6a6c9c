#pragma once
// The live page of a training run (`minicnn train --live`), in the manner of
// ConvNetJS's MNIST demo: the loss per batch, test accuracy per epoch, throughput and time left,
// every conv layer's kernels and their gradients, feature maps of a few fixed test images through
// every layer, and controls: pause/resume, stop (a resumable checkpoint, as Ctrl-C), and a
// learning-rate multiplier.
//
// How training and the web server meet; the training thread never waits on the network:
//   - after every batch the training thread notes the loss in a list of its own; about twice a
//     second it builds a snapshot (the numbers, and while a page is watching, copies of the
//     parameters, buffers and gradients) and hands it over with try_lock. The lock is only held
//     to swap a pointer or to append or copy a list of losses; when a web worker holds it, the
//     hand-over is left to a later batch;
//   - web workers draw everything from the latest snapshot themselves: kernel pictures, and the
//     feature maps through their own copy of the model, on one core;
//   - the controls are atomics that the training thread reads between batches. A pause holds the
//     training thread between two batches (it stays responsive to stop and Ctrl-C); a new
//     learning-rate multiplier takes effect from the next batch, and the run records it with
//     that batch's position (the --lr-changes setting), so a resumed run repeats it exactly.
// The web server (Debian's cpp-httplib) is private to the library: no header here includes it.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/train/train.hpp"

namespace minicnn {

class WebServer;

// What the page shows that does not change while the run goes on.
struct LiveSetup {
  std::string title;  // "runs/live: lenet5 on data/mnist"
  std::string spec;
  Shape input_shape;
  std::size_t epochs = 0, batches_per_epoch = 0, batch_size = 0, train_images = 0;
  float lr = 0;                      // the base learning rate
  const Dataset* test = nullptr;     // a few of its images are the page's fixed examples
  Normalization norm;
  std::vector<float> batch_loss;     // losses recorded before this process (a resumed run)
  nlohmann::json history = nlohmann::json::array();
};

class LiveMonitor {
 public:
  // Binds host:port at once (port 0: any free port), so a port in use fails before training
  // starts: std::runtime_error("cannot listen on HOST:PORT: REASON").
  LiveMonitor(const std::string& host, int port);
  ~LiveMonitor();  // stops the server
  LiveMonitor(const LiveMonitor&) = delete;
  LiveMonitor& operator=(const LiveMonitor&) = delete;
  std::string url() const;
  void start(const LiveSetup& setup);  // serves the page from now on

  // ---- called by the training thread only ----
  // After every batch: lr is the rate this batch used, lr_changes the run's record of changes.
  void after_batch(const BatchReport& r, float lr, const std::string& lr_changes, Sequential& model);
  void after_epoch(const nlohmann::json& history);
  // While paused: publishes the paused state and sleeps a little (call in a loop).
  void idle(Sequential& model);
  bool paused() const { return paused_; }
  bool stop_requested() const { return stop_; }
  // The multiplier asked for on the page since the last call, if any.
  std::optional<float> take_lr_request();
  // The run is over: the page shows `message`; waits a moment if a page is watching, so it can
  // read it before the server goes away.
  void finish(const std::string& state, const std::string& message, Sequential& model);

 private:
  struct Snapshot;
  struct Pictures;
  void publish(Sequential& model, bool force);
  void add_routes();
  nlohmann::json state_json(std::size_t since);
  std::string control(const nlohmann::json& request, int& status);
  std::string picture(const std::string& kind, const std::string& which, int& status);
  bool watched() const;

  std::unique_ptr<WebServer> server_;
  LiveSetup setup_;
  std::unique_ptr<Pictures> pictures_;  // the web workers' side: model copy, fixed images, cache
  // Shared under mutex_ (held only to swap, append or copy).
  std::mutex mutex_;
  std::shared_ptr<const Snapshot> latest_;
  std::vector<float> losses_;
  // The training thread's own.
  std::vector<float> pending_losses_;
  BatchReport last_{};
  float last_lr_ = 0;
  std::string lr_changes_;
  nlohmann::json history_ = nlohmann::json::array();
  std::uint64_t version_ = 0;
  std::chrono::steady_clock::time_point started_, last_publish_, last_tensors_;
  std::string state_ = "starting", message_;
  // Controls, set by web workers.
  std::atomic<bool> paused_{false}, stop_{false};
  std::atomic<float> lr_request_{0.f};  // 0: none
  std::atomic<std::int64_t> last_poll_ms_{-1000000};
};

}  // namespace minicnn
