#include "minicnn/web/live.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <thread>

#include "minicnn/core/registry.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/train/run_report.hpp"
#include "minicnn/vision/activations.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "web_server.hpp"

namespace minicnn {

extern const char* const kLivePage;  // live_page_html.cpp

namespace {

using Clock = std::chrono::steady_clock;
using Tensors = std::vector<std::pair<std::string, Tensor>>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

const Tensor* find(const Tensors& ts, const std::string& name) {
  for (const auto& [n, t] : ts)
    if (n == name) return &t;
  return nullptr;
}

// A kernel picture small enough for the page: 2 to 16 px per tap, at most about 360 px on a side,
// without labels, and the value shown at full colour written under it.
Image kernel_picture(const Tensor& w) {
  const std::size_t OC = w.shape(0), C = w.shape(1), KH = w.shape(2), KW = w.shape(3);
  const bool wrapped = C == 1 || C == 3;  // one tile per output channel, in a near-square grid
  const std::size_t cols = wrapped ? static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(OC)))) : C;
  const std::size_t rows = wrapped ? (OC + cols - 1) / cols : OC;
  KernelImageOptions o;
  o.scale = std::clamp<std::size_t>(std::min(360 / (rows * KH), 360 / (cols * KW)), 2, 16);
  o.labels = o.legend = false;
  KernelGrid grid;
  const Image tiles = render_kernels(w, o, &grid);
  char range[48];
  std::snprintf(range, sizeof range, "full colour: %.3g", static_cast<double>(grid.range));
  Image out(std::max(tiles.width, text_width(range)), tiles.height + text_height() + 4, 3, 255);
  blit(out, tiles, 0, 0);
  const std::uint8_t ink[3] = {60, 60, 60};
  draw_text(out, 0, tiles.height + 4, range, ink);
  return out;
}

// Up to n test images of different classes (the first of each class), as the page's fixed examples.
std::vector<std::size_t> pick_examples(const Dataset& test, std::size_t n) {
  std::vector<std::size_t> picked;
  std::vector<bool> seen(test.num_classes(), false);
  for (std::size_t i = 0; i < test.size() && picked.size() < n; ++i)
    if (!seen[static_cast<std::size_t>(test.labels[i])]) seen[static_cast<std::size_t>(test.labels[i])] = true, picked.push_back(i);
  return picked;
}

}  // namespace

// The parameters as the training thread last copied them; drawn by web workers.
struct LiveTensors {
  std::uint64_t version = 0;
  Tensors values, buffers, grads;  // grads: of the conv layers' weights
};

struct LiveMonitor::Snapshot {
  nlohmann::json status, history;
  std::shared_ptr<const LiveTensors> tensors;
};

// The web workers' side: their own copy of the model, the fixed examples, and drawn pictures.
struct LiveMonitor::Pictures {
  std::mutex mutex;  // one drawing at a time: the model copy keeps state between forward calls
  std::unique_ptr<Sequential> model;
  Tensor examples;  // (K, C, H, W), normalised as training sees them
  std::vector<int> labels;
  std::string examples_png;
  nlohmann::json layers = nlohmann::json::array();  // top-level layers: path, name, output shape
  nlohmann::json convs = nlohmann::json::array();   // every conv layer, nested ones too: path, name
  std::uint64_t maps_version = 0;
  std::vector<std::string> maps_png;                           // per top-level layer
  std::map<std::string, std::pair<std::uint64_t, std::string>> kernels_png;  // "kernels/0" -> (version, png)
};

LiveMonitor::LiveMonitor(const std::string& host, int port) {
  WebServerOptions o;
  o.host = host;
  o.port = port;
  server_ = std::make_unique<WebServer>(o);
  if (!WebServer::loopback(host))
    std::fprintf(stderr, "warning: --host %s: anyone who can reach this machine can watch this run and pause or stop it\n",
                 host.c_str());
}

LiveMonitor::~LiveMonitor() { server_->stop(); }

std::string LiveMonitor::url() const { return server_->url(); }

void LiveMonitor::start(const LiveSetup& setup) {
  setup_ = setup;
  losses_ = setup.batch_loss;
  history_ = setup.history;
  started_ = Clock::now();
  pictures_ = std::make_unique<Pictures>();
  Pictures& p = *pictures_;
  p.model = build_model(setup.spec, setup.input_shape);
  const std::vector<Shape> shapes = p.model->output_shapes(setup.input_shape);
  for (std::size_t i = 0; i < p.model->size(); ++i)  // a Flatten shows nothing its input did not
    if ((*p.model)[i].name().rfind("Flatten", 0) != 0)
      p.layers.push_back({{"path", std::to_string(i)}, {"name", short_name((*p.model)[i])}, {"shape", shapes[i]}});
  for (const auto& [path, layer] : named_layers(*p.model))
    if (dynamic_cast<Conv2d*>(layer)) p.convs.push_back({{"path", path}, {"name", layer->name()}});
  Dataset few = *setup.test;
  const auto picked = pick_examples(*setup.test, 4);
  few.labels.clear(), few.pixels.clear(), few.source.clear();
  std::vector<Image> shown;
  for (const std::size_t i : picked) {
    few.labels.push_back(setup.test->labels[i]);
    const auto* px = setup.test->pixels.data() + i * setup.test->sample_size();
    few.pixels.insert(few.pixels.end(), px, px + setup.test->sample_size());
    shown.push_back(dataset_image(*setup.test, i));
  }
  DataLoader(few, std::max<std::size_t>(few.size(), 1), false, 0, setup.norm).load_batch(0, p.examples, p.labels);
  Image column(56, shown.size() * 64 - 8, 3, 150);  // one under the other, as the feature maps show them
  for (std::size_t k = 0; k < shown.size(); ++k) blit(column, resize_image(with_channels(shown[k], 3), 56, 56), 0, k * 64);
  p.examples_png = encode_png(column);
  add_routes();
  server_->start();
}

bool LiveMonitor::watched() const { return now_ms() - last_poll_ms_ < 5000; }

void LiveMonitor::publish(Sequential& model, bool force) {
  const auto now = Clock::now();
  if (!force && now - last_publish_ < std::chrono::milliseconds(500)) return;
  auto s = std::make_shared<Snapshot>();
  const std::size_t nb = setup_.batches_per_epoch;
  const bool begun = last_.epoch > 0;
  const double ips = begun ? last_.images_per_second : 0, per_epoch = ips > 0 ? setup_.train_images / ips : 0;
  const bool over = state_ == "finished" || state_ == "stopped" || state_ == "stopping";  // no time left
  const double eta_epoch = begun && !over ? last_.eta_seconds : 0;
  const double eta = begun && !over ? eta_epoch + static_cast<double>(setup_.epochs - last_.epoch) * per_epoch : 0;
  s->status = {{"state", state_},
               {"message", message_},
               {"epoch", begun ? last_.epoch : 0},
               {"epochs", setup_.epochs},
               {"batch", begun ? last_.batch : 0},
               {"batches", nb},
               {"position", begun ? (last_.epoch - 1) * nb + last_.batch : setup_.batch_loss.size()},
               {"loss", begun ? last_.running_loss : 0.0},
               {"accuracy", begun ? last_.running_accuracy : 0.0},
               {"images_per_second", ips},
               {"eta_epoch", eta_epoch},
               {"eta_total", eta},
               {"elapsed", std::chrono::duration<double>(now - started_).count()},
               {"lr", last_lr_},
               {"lr_changes", lr_changes_}};
  s->history = history_;
  s->tensors = latest_ ? latest_->tensors : nullptr;  // read only by this thread: no lock needed
  // While paused the weights stand still: one snapshot on pausing, no new picture versions after it.
  // A forced publish (a new state: the first batch, pausing, the end) copies them even while no
  // page watches, so a page opened later, while the finished run lingers, draws the final weights.
  const bool due = state_ != "paused" && now - last_tensors_ >= std::chrono::milliseconds(900);
  if (force || (watched() && (!s->tensors || due))) {
    auto t = std::make_shared<LiveTensors>();
    t->version = ++version_;
    for (auto& [n, p] : model.parameters()) t->values.emplace_back(n, p->value);
    for (auto& [n, b] : model.buffers()) t->buffers.emplace_back(n, *b);
    for (auto& [path, layer] : named_layers(model))
      if (auto* conv = dynamic_cast<Conv2d*>(layer)) t->grads.emplace_back(path, conv->weight().grad);
    s->tensors = t;
    last_tensors_ = now;
  }
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // a web worker is copying: hand over after a later batch
  losses_.insert(losses_.end(), pending_losses_.begin(), pending_losses_.end());
  pending_losses_.clear();
  latest_ = s;
  last_publish_ = now;
}

void LiveMonitor::after_batch(const BatchReport& r, float lr, const std::string& lr_changes, Sequential& model) {
  pending_losses_.push_back(r.loss);
  last_ = r;
  last_lr_ = lr;
  lr_changes_ = lr_changes;
  const std::string state = stop_ ? "stopping" : "running";
  const bool changed = state != state_;
  state_ = state;
  publish(model, changed);
}

void LiveMonitor::after_epoch(const nlohmann::json& history) {
  history_ = history;
  last_publish_ = {};  // the next publish carries the new epoch
}

void LiveMonitor::idle(Sequential& model) {
  const bool changed = state_ != "paused";
  state_ = "paused";
  publish(model, changed);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::optional<float> LiveMonitor::take_lr_request() {
  const float m = lr_request_.exchange(0.f);
  if (m > 0) return m;
  return std::nullopt;
}

void LiveMonitor::finish(const std::string& state, const std::string& message, Sequential& model) {
  state_ = state;
  message_ = message;
  for (int i = 0; i < 200 && (!latest_ || latest_->status.value("state", "") != state); ++i) {
    publish(model, true);  // the run is over: waiting for the lock costs training nothing now
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (watched()) std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the page polls every second
}

nlohmann::json LiveMonitor::state_json(std::size_t since) {
  last_poll_ms_ = now_ms();
  std::shared_ptr<const Snapshot> s;
  std::vector<float> losses;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s = latest_;
    since = std::min(since, losses_.size());
    losses.assign(losses_.begin() + static_cast<long>(since), losses_.end());
  }
  nlohmann::json j = s ? s->status : nlohmann::json{{"state", "starting"}};
  j["history"] = s ? s->history : nlohmann::json::array();
  j["loss_start"] = since;
  j["losses"] = losses;
  j["pictures"] = s && s->tensors ? s->tensors->version : 0;
  return j;
}

std::string LiveMonitor::control(const nlohmann::json& request, int& status) {
  const std::string action = request.is_object() ? request.value("action", std::string()) : "";
  if (action == "pause") {
    paused_ = true;
  } else if (action == "resume") {
    paused_ = false;
  } else if (action == "stop") {
    stop_ = true;
    paused_ = false;
  } else if (action == "lr") {
    const auto& m = request.contains("multiplier") ? request["multiplier"] : nlohmann::json();
    if (!m.is_number() || !(m.get<double>() > 0 && m.get<double>() <= 1000)) {
      status = 400;
      return R"({"error":"multiplier: expected a number in (0, 1000]"})";
    }
    lr_request_ = m.get<float>();
  } else {
    status = 400;
    return R"({"error":"action: expected pause, resume, stop or lr"})";
  }
  return nlohmann::json{{"ok", true}, {"action", action}}.dump();
}

// A PNG for the page: "kernels" or "grads" of a conv layer (which: its path), or "maps" of a
// top-level layer (which: its index). Drawn from the latest parameters, at most
// once per snapshot, on one core.
std::string LiveMonitor::picture(const std::string& kind, const std::string& which, int& status) {
  Pictures& p = *pictures_;
  std::shared_ptr<const LiveTensors> t;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (latest_) t = latest_->tensors;
  }
  status = 404;
  if (!t) return {};
  set_num_threads_this_thread(1);
  std::lock_guard<std::mutex> lock(p.mutex);
  if (kind == "maps") {
    if (p.maps_version != t->version) {
      for (auto& [n, param] : p.model->parameters())
        if (const Tensor* v = find(t->values, n)) param->value = *v;
      for (auto& [n, b] : p.model->buffers())
        if (const Tensor* v = find(t->buffers, n)) *b = *v;
      p.maps_png.clear();
      ActivationImageOptions o;
      o.min_tile = 40;
      for (const auto& out : layer_outputs(*p.model, p.examples)) p.maps_png.push_back(encode_png(render_activations(out.y, o)));
      p.maps_version = t->version;
    }
    const std::size_t i = std::strtoul(which.c_str(), nullptr, 10);
    if (i >= p.maps_png.size()) return {};
    status = 200;
    return p.maps_png[i];
  }
  const Tensor* w = kind == "grads" ? find(t->grads, which) : find(t->values, which + ".weight");
  if (!w || w->dimension() != 4) return {};
  auto& cached = p.kernels_png[kind + "/" + which];  // one entry per conv layer at most
  if (cached.first != t->version) cached = {t->version, encode_png(kernel_picture(*w))};
  status = 200;
  return cached.second;
}

void LiveMonitor::add_routes() {
  auto& r = server_->routes();
  r.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kLivePage, "text/html; charset=utf-8"); });
  r.Get("/api/setup", [this](const httplib::Request&, httplib::Response& res) {
    const Pictures& p = *pictures_;
    std::vector<std::string> labels;
    for (const int l : p.labels) labels.push_back(setup_.test->classes[static_cast<std::size_t>(l)]);
    send_json(res, nlohmann::json{{"title", setup_.title},
                                  {"epochs", setup_.epochs},
                                  {"batches_per_epoch", setup_.batches_per_epoch},
                                  {"batch_size", setup_.batch_size},
                                  {"lr", setup_.lr},
                                  {"layers", p.layers},
                                  {"convs", p.convs},
                                  {"examples", labels}}
                           .dump());
  });
  r.Get("/api/state", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string since = req.get_param_value("since");
    const bool number = !since.empty() && since.size() < 12 && since.find_first_not_of("0123456789") == std::string::npos;
    send_json(res, state_json(number ? std::stoul(since) : 0).dump());
  });
  r.Post("/api/control", [this](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    const std::string body = control(nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false), status);
    send_json(res, body, status);
  });
  r.Get("/live/examples.png", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(pictures_->examples_png, "image/png");
  });
  // A layer's path as named_layers gives it: "0", or "3.body.0" inside a residual block.
  r.Get(R"(/live/(kernels|grads|maps)/([0-9A-Za-z_.]+)\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    const std::string png = picture(req.matches[1], req.matches[2], status);
    if (status != 200) return send_json(res, R"({"error":"no such picture yet"})", status);
    res.set_content(png, "image/png");
  });
}

}  // namespace minicnn
