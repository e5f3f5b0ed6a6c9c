#include "minicnn/web/serve_page.hpp"

#include <unistd.h>

#include <algorithm>
#include <mutex>

#include <nlohmann/json.hpp>

#include "minicnn/loss/softmax_cross_entropy.hpp"
#include "minicnn/train/report.hpp"
#include "minicnn/vision/activations.hpp"
#include "web_server.hpp"

namespace minicnn {

extern const char* const kServePage;  // serve_page_html.cpp

namespace {

constexpr std::size_t kMaxUpload = 8u << 20;  // bytes of one picture

std::string png_data_url(const Image& img) { return "data:image/png;base64," + base64(encode_png(img)); }

// The prediction for one uploaded picture, and every layer's activations, as JSON.
std::string look_inside(ServeRun& in, const std::string& bytes, int& status) {
  Image seen;
  Tensor x;
  try {
    const Image picture = decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "the picture");
    x = in.prepare(picture, &seen);
  } catch (const std::exception& e) {
    status = 400;
    return nlohmann::json{{"error", e.what()}}.dump();
  }
  Shape batch{1};
  batch.insert(batch.end(), in.input_shape.begin(), in.input_shape.end());
  x.reshape(batch);
  const auto outputs = layer_outputs(*in.model, x);
  const Tensor& z = outputs.back().y;
  SoftmaxCrossEntropy softmax;
  softmax.forward(z, {0});
  const std::vector<float> p(softmax.probabilities().begin(), softmax.probabilities().end());
  const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  nlohmann::json layers = nlohmann::json::array();
  ActivationImageOptions o;
  o.max_width = 640;
  o.min_tile = 40;
  for (const auto& out : outputs) {
    if (out.name.rfind("Flatten", 0) == 0) continue;  // it only reshapes the layer before
    Shape shape(out.y.shape().begin() + 1, out.y.shape().end());
    layers.push_back({{"path", out.path}, {"name", out.name}, {"shape", shape}, {"picture", png_data_url(render_activations(out.y, o))}});
  }
  const bool blank = *std::max_element(seen.pixels.begin(), seen.pixels.end()) < 64 && in.digit_like;
  return nlohmann::json{{"class", in.classes[best]},
                        {"index", best},
                        {"probabilities", p},
                        {"seen", png_data_url(seen)},
                        {"blank", blank},
                        {"layers", layers}}
      .dump();
}

void add_routes(WebServer& server, ServeRun& run, std::mutex& one_at_a_time) {
  auto& r = server.routes();
  const std::string dir = run.folder;
  r.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kServePage, "text/html; charset=utf-8"); });
  r.Get("/api/info", [&run, dir](const httplib::Request&, httplib::Response& res) {
    send_json(res, nlohmann::json{{"title", run.title},
                                  {"classes", run.classes},
                                  {"input_shape", run.input_shape},
                                  {"digits", run.digit_like && run.input_shape[0] == 1},
                                  {"report", ::access((dir + "/report.html").c_str(), F_OK) == 0}}
                       .dump());
  });
  r.Post("/api/predict", [&run, &one_at_a_time](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string body;
    {
      std::lock_guard<std::mutex> lock(one_at_a_time);  // one picture at a time: also bounds decoding memory
      body = look_inside(run, req.body, status);
    }
    send_json(res, body, status);
  });
  r.Get("/report", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/run/report.html"); });
  r.Get(R"(/run/(.+))", [dir](const httplib::Request& req, httplib::Response& res) { send_file_below(dir, req.matches[1], res); });
}

}  // namespace

// The model and what it needs to read a picture, shared by the web workers one request at a time.
struct ServePage::Inside {
  std::mutex mutex;
  ServeRun run;
};

ServePage::ServePage(ServeRun run, const std::string& host, int port) : inside_(std::make_unique<Inside>()), host_(host) {
  inside_->run = std::move(run);
  WebServerOptions o;
  o.host = host;
  o.port = port;
  o.body_limits["/api/predict"] = kMaxUpload;
  server_ = std::make_unique<WebServer>(o);  // binds now: a port in use fails here
  add_routes(*server_, inside_->run, inside_->mutex);
}

ServePage::~ServePage() { server_->stop(); }

void ServePage::start() { server_->start(); }

void ServePage::stop() { server_->stop(); }

std::string ServePage::url() const { return server_->url(); }

bool ServePage::local_only() const { return WebServer::loopback(host_); }

}  // namespace minicnn
