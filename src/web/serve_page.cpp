#include "minicnn/web/serve_page.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <nlohmann/json.hpp>

#include "channel_views.hpp"
#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/loss/softmax_cross_entropy.hpp"
#include "minicnn/vision/activations.hpp"
#include "web_server.hpp"

namespace minicnn {

extern const char* const kServePage;  // serve_page_html.cpp

// The model and what it needs to read a picture, shared by the web workers one request at a time,
// and the channel views, computed on a thread of their own.
struct ServePage::Inside {
  std::mutex mutex;
  ServeRun run;
  std::string gradcam_layer;  // empty: the model has no layer with maps
  std::unique_ptr<ChannelViews> channels;
};

namespace {

constexpr std::size_t kMaxUpload = 8u << 20;  // bytes of one picture

// Milliseconds per stage of one prediction, printed when MINICNN_SERVE_TIMING is set (bench/).
struct StageClock {
  bool on = std::getenv("MINICNN_SERVE_TIMING") != nullptr;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::string line;
  void lap(const char* stage) {
    if (!on) return;
    const auto now = std::chrono::steady_clock::now();
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s=%.2f", stage, std::chrono::duration<double, std::milli>(now - last).count());
    line += buf;
    last = now;
  }
  ~StageClock() {
    if (on) std::fprintf(stderr, "serve timing (ms):%s\n", line.c_str());
  }
};

// Every shown layer's output (Flatten only reshapes the layer before it) as a picture, with where
// each channel's tile is, so the page can tell which channel was clicked. The browser enlarges
// them (`scale`): maps are sent at one pixel per value (tiles of at least 40 pixels within 640 on
// the page), flat outputs at half size; encoding pictures drawn at full size as PNG took 85% of a
// prediction's time (bench/RESULTS.md).
nlohmann::json layer_pictures(const std::vector<LayerOutput>& outputs, StageClock& clock) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& out : outputs) {
    if (out.name.rfind("Flatten", 0) == 0) continue;
    const Shape shape(out.y.shape().begin() + 1, out.y.shape().end());
    ActivationImageOptions o;  // a flat output: cells of 5 pixels and gaps of 1, doubled by the browser
    o.cell = 5, o.gap = 1, o.max_width = 320;
    std::size_t scale = 2;
    if (shape.size() == 3) {
      scale = std::max<std::size_t>(1, (40 + std::max(shape[1], shape[2]) - 1) / std::max(shape[1], shape[2]));
      o.min_tile = o.gap = 1;
      o.max_width = 640 / scale;
    }
    const ActivationLayout t = activation_layout(shape, o);
    const Image picture = render_activations(out.y, o);
    clock.lap("draw");
    layers.push_back({{"path", out.path}, {"name", out.name}, {"shape", shape}, {"picture", png_data_url(picture)},
                      {"tiles", {{"count", t.count}, {"w", t.tile_w}, {"h", t.tile_h}, {"cols", t.cols}, {"gap", t.gap}, {"scale", scale}}}});
    clock.lap("png");
  }
  return layers;
}

// The prediction for one uploaded picture, why (saliency and Grad-CAM for the predicted class over
// what the model sees) and every layer's activations, as JSON.
std::string look_inside(ServePage::Inside& inside, const std::string& bytes, int& status) {
  ServeRun& in = inside.run;
  StageClock clock;
  Image seen;
  Tensor x;
  try {
    const Image picture = decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "the picture");
    clock.lap("decode");
    x = in.prepare(picture, &seen);
    clock.lap("prepare");
  } catch (const std::exception& e) {
    status = 400;
    return nlohmann::json{{"error", e.what()}}.dump();
  }
  Shape batch{1};
  batch.insert(batch.end(), in.input_shape.begin(), in.input_shape.end());
  x.reshape(batch);
  const auto outputs = layer_outputs(*in.model, x);
  SoftmaxCrossEntropy softmax;
  softmax.forward(outputs.back().y, {0});
  const std::vector<float> p(softmax.probabilities().begin(), softmax.probabilities().end());
  const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  clock.lap("forward");
  nlohmann::json layers = layer_pictures(outputs, clock);
  const std::string saliency = png_data_url(explain::map_overlay(explain::saliency(*in.model, x, best), seen));
  clock.lap("saliency");
  const std::string gradcam = inside.gradcam_layer.empty()
                                  ? std::string()
                                  : png_data_url(explain::map_overlay(explain::gradcam(*in.model, x, best, inside.gradcam_layer), seen));
  clock.lap("gradcam");
  const bool blank = *std::max_element(seen.pixels.begin(), seen.pixels.end()) < 64 && in.digit_like;
  std::string json = nlohmann::json{{"class", in.classes[best]},
                                    {"index", best},
                                    {"probabilities", p},
                                    {"seen", png_data_url(seen)},
                                    {"blank", blank},
                                    {"saliency", saliency},
                                    {"gradcam", gradcam},
                                    {"gradcam_layer", inside.gradcam_layer},
                                    {"layers", std::move(layers)}}
                         .dump();
  clock.lap("json");
  return json;
}

void add_routes(WebServer& server, ServePage::Inside& inside) {
  auto& r = server.routes();
  ServeRun& run = inside.run;
  const std::string dir = run.folder;
  r.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kServePage, "text/html; charset=utf-8"); });
  r.Get("/api/info", [&inside, dir](const httplib::Request&, httplib::Response& res) {
    const ServeRun& run = inside.run;
    send_json(res, nlohmann::json{{"title", run.title},
                                  {"classes", run.classes},
                                  {"input_shape", run.input_shape},
                                  {"digits", run.digit_like && run.input_shape[0] == 1},
                                  {"preparation", run.preparation},
                                  {"gradcam_layer", inside.gradcam_layer},
                                  {"report", ::access((dir + "/report.html").c_str(), F_OK) == 0}}
                       .dump());
  });
  r.Post("/api/predict", [&inside](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string body;
    {
      std::lock_guard<std::mutex> lock(inside.mutex);  // one picture at a time: also bounds decoding memory
      body = look_inside(inside, req.body, status);
    }
    // The worker is free for the next drawer at once: httplib serves a connection on one worker
    // for as long as it is kept alive, and 20 drawers kept alive on 8 workers left 12 of them
    // waiting up to 20 s (bench/serve_load.py, bench/RESULTS.md).
    res.set_header("Connection", "close");
    send_json(res, body, status);
  });
  r.Get("/api/channel", [&inside](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    const std::string body = inside.channels->ask(req.get_param_value("layer"), req.get_param_value("channel"), status);
    send_json(res, body, status);
  });
  r.Get("/report", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/run/report.html"); });
  r.Get(R"(/run/(.+))", [dir](const httplib::Request& req, httplib::Response& res) { send_file_below(dir, req.matches[1], res); });
}

// What the channel views need: the layers the page shows (path -> output per image), from one
// forward pass of a blank input.
ChannelViews::Setup channel_setup(ServeRun& run) {
  ChannelViews::Setup s;
  Shape batch{1};
  batch.insert(batch.end(), run.input_shape.begin(), run.input_shape.end());
  for (const auto& out : layer_outputs(*run.model, Tensor::from_shape(batch)))
    if (out.name.rfind("Flatten", 0) != 0) s.layers[out.path] = Shape(out.y.shape().begin() + 1, out.y.shape().end());
  s.load_test = run.load_test ? run.load_test : [] () -> Dataset { throw std::runtime_error("this page has no test set"); };
  s.load_model = run.load_model;
  s.norm = run.norm;
  s.input_shape = run.input_shape;
  s.classes = run.classes;
  s.folder = run.folder.empty() ? "" : run.folder + "/features";
  return s;
}

}  // namespace

ServePage::ServePage(ServeRun run, const std::string& host, int port) : inside_(std::make_unique<Inside>()), host_(host) {
  inside_->run = std::move(run);
  try {
    inside_->gradcam_layer = explain::default_gradcam_layer(*inside_->run.model, inside_->run.input_shape);
  } catch (const std::invalid_argument&) {
    // no layer with maps: the page shows saliency alone
  }
  if (!inside_->run.load_model)
    inside_->run.load_model = [] () -> std::unique_ptr<Sequential> { throw std::runtime_error("this page has no second copy of the model"); };
  inside_->channels = std::make_unique<ChannelViews>(channel_setup(inside_->run));
  WebServerOptions o;
  o.host = host;
  o.port = port;
  o.body_limits["/api/predict"] = kMaxUpload;
  server_ = std::make_unique<WebServer>(o);  // binds now: a port in use fails here
  add_routes(*server_, *inside_);
}

ServePage::~ServePage() { server_->stop(); }

void ServePage::start() { server_->start(); }

void ServePage::stop() { server_->stop(); }

std::string ServePage::url() const { return server_->url(); }

bool ServePage::local_only() const { return WebServer::loopback(host_); }

}  // namespace minicnn
