// minicnn serve: a trained run in the browser. "/" is the inside-the-network page: draw a digit
// (or drop a picture) and see the prediction and every layer's activations, updated as one draws;
// "/run/..." serves the run folder's files, its report.html first of all.
#include <csignal>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <thread>

#include "commands.hpp"
#include "common.hpp"
#include "data_source.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/layers/softmax_cross_entropy.hpp"
#include "minicnn/train/report.hpp"
#include "minicnn/vision/activations.hpp"
#include "report_command.hpp"
#include "web_server.hpp"

namespace minicnn::cli {

extern const char* const kServePage;  // serve_page.cpp

namespace {

constexpr std::size_t kMaxUpload = 8u << 20;  // bytes of one picture

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct ServeArgs {
  std::string run, host = "127.0.0.1";
  int port = 8080;
  bool raw = false;
};

// The model and what it needs to read a picture, shared by the web workers one request at a time.
struct Inside {
  std::mutex mutex;
  std::unique_ptr<Sequential> model;
  CheckpointInfo info;
  DataRecord data;
  bool raw = false;
};

std::string png_data_url(const Image& img) { return "data:image/png;base64," + base64(encode_png(img)); }

// The prediction for one uploaded picture, and every layer's activations, as JSON.
std::string look_inside(Inside& in, const std::string& bytes, int& status) {
  std::lock_guard<std::mutex> lock(in.mutex);  // one picture at a time: also bounds decoding memory
  Image seen;
  Tensor x;
  try {
    const Image picture = decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "the picture");
    x = model_input(picture, in.info.input_shape, in.data, in.raw, &seen);
  } catch (const std::exception& e) {
    status = 400;
    return nlohmann::json{{"error", e.what()}}.dump();
  }
  Shape batch{1};
  batch.insert(batch.end(), in.info.input_shape.begin(), in.info.input_shape.end());
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
  const bool blank = *std::max_element(seen.pixels.begin(), seen.pixels.end()) < 64 && in.data.digit_like();
  return nlohmann::json{{"class", in.data.classes[best]},
                        {"index", best},
                        {"probabilities", p},
                        {"seen", png_data_url(seen)},
                        {"blank", blank},
                        {"layers", layers}}
      .dump();
}

void add_routes(WebServer& server, Inside& in, const std::string& dir, const std::string& title) {
  auto& r = server.routes();
  r.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kServePage, "text/html; charset=utf-8"); });
  r.Get("/api/info", [&in, dir, title](const httplib::Request&, httplib::Response& res) {
    send_json(res, nlohmann::json{{"title", title},
                                  {"classes", in.data.classes},
                                  {"input_shape", in.info.input_shape},
                                  {"digits", in.data.digit_like() && in.info.input_shape[0] == 1},
                                  {"report", path_exists(dir + "/report.html")}}
                       .dump());
  });
  r.Post("/api/predict", [&in](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    const std::string body = look_inside(in, req.body, status);
    send_json(res, body, status);
  });
  r.Get("/report", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/run/report.html"); });
  r.Get(R"(/run/(.+))", [dir](const httplib::Request& req, httplib::Response& res) { send_file_below(dir, req.matches[1], res); });
}

int run_serve(const ServeArgs& a, const std::string& cmdline) {
  const std::string path = checkpoint_path(a.run);
  const std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  const std::string folder = dir.empty() ? "." : dir;
  Inside in;
  in.model = load_model(path, &in.info);
  in.model->eval();
  in.data = read_data_record(nlohmann::json::parse(in.info.extra_json));
  in.raw = a.raw;
  set_num_threads(1);  // one request at a time, on one core
  WebServerOptions o;
  o.host = a.host;
  o.port = a.port;
  o.body_limits["/api/predict"] = kMaxUpload;
  WebServer server(o);  // binds now: a port in use fails here
  if (!path_exists(folder + "/report.html")) {
    try {
      std::printf("writing %s/report.html (the run has none yet)\n", folder.c_str());
      write_run_report(folder, program_of(cmdline));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: no report: %s\n", e.what());
    }
  }
  add_routes(server, in, folder, folder);
  if (!WebServer::loopback(a.host))
    std::fprintf(stderr, "warning: --host %s: anyone who can reach this machine can use the page and read %s's files\n",
                 a.host.c_str(), folder.c_str());
  server.start();
  std::printf("minicnn serve: %s on %s  (Ctrl-C stops)\n", path.c_str(), server.url().c_str());
  std::fflush(stdout);
  g_stop = 0;
  auto old_int = std::signal(SIGINT, on_signal), old_term = std::signal(SIGTERM, on_signal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  server.stop();
  std::printf("stopped\n");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Command& command) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "a trained run in the browser: draw a digit (or drop a picture) and see every layer's activations; the report");
  cmd->add_option("run", a->run, "the run folder (or one of its checkpoints)")->required();
  cmd->add_option("--port", a->port, "port to listen on (0: any free port)")->capture_default_str()->check(whole_number(0, 65535));
  cmd->add_option("--host", a->host,
                  "address to listen on; anything but 127.0.0.1 (this machine only) opens the page to the network")
      ->capture_default_str();
  cmd->add_flag("--raw", a->raw, "feed pictures only resized, as predict --raw does (no digit preparation)");
  cmd->footer(
      "examples:\n"
      "  minicnn serve runs/mnist                 then open http://127.0.0.1:8080/ and draw a digit\n"
      "  minicnn serve runs/photos --port 9000    a colour model: drop a picture on the page\n");
  command.register_run(cmd, [a](const std::string& cmdline) { return run_serve(*a, cmdline); });
}

}  // namespace minicnn::cli
