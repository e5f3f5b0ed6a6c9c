// The draw page through its library API: a model, a picture-preparing callback, and HTTP on a
// free port of this machine (a plain socket plays the browser).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/web/serve_page.hpp"

using namespace minicnn;

namespace {

int port_of(const std::string& url) {  // "http://127.0.0.1:PORT/"
  return std::stoi(url.substr(url.rfind(':') + 1));
}

// One HTTP/1.1 request on a fresh connection; returns the whole answer, headers and body.
std::string request(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  const std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                           "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::string all = head + body;
  REQUIRE(::write(fd, all.data(), all.size()) == static_cast<ssize_t>(all.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

std::string body_of(const std::string& answer) { return answer.substr(answer.find("\r\n\r\n") + 4); }

constexpr const char* kTinyModel = "conv 2 3 pad=1, relu, flatten, linear 2";

ServeRun tiny_run(const std::string& folder) {
  ServeRun run;
  manual_seed(7);
  run.model = build_model(kTinyModel, {1, 4, 4});
  run.model->eval();
  run.input_shape = {1, 4, 4};
  run.classes = {"dark", "light"};
  run.prepare = [](const Image& picture, Image* seen) {
    if (picture.width != 4 || picture.height != 4 || picture.channels != 1) throw std::runtime_error("expected a 4x4 grey picture");
    *seen = picture;
    Tensor x = Tensor::from_shape({1, 4, 4});
    for (std::size_t i = 0; i < 16; ++i) x.data()[i] = picture.pixels[i] / 255.f;
    return x;
  };
  run.folder = run.title = folder;
  return run;
}

}  // namespace

TEST_CASE("web: the draw page answers a picture with the prediction and every layer's activations") {
  ServePage page(tiny_run(MINICNN_SOURCE_DIR "/data"), "127.0.0.1", 0);
  CHECK(page.local_only());
  REQUIRE(page.url().rfind("http://127.0.0.1:", 0) == 0);
  const int port = port_of(page.url());
  // Bound at once: a second page on the same port fails before anything is served.
  CHECK_THROWS_WITH_AS(ServePage(tiny_run("."), "127.0.0.1", port), test::contains("cannot listen on 127.0.0.1:"), std::runtime_error);
  page.start();

  const auto info = nlohmann::json::parse(body_of(request(port, "GET", "/api/info")));
  CHECK(info["classes"] == std::vector<std::string>{"dark", "light"});
  CHECK(info["digits"] == false);

  Image picture(4, 4, 1, 200);
  const std::string answer = request(port, "POST", "/api/predict", encode_png(picture));
  REQUIRE(answer.rfind("HTTP/1.1 200", 0) == 0);
  const auto j = nlohmann::json::parse(body_of(answer));
  CHECK(j["probabilities"].size() == 2);
  CHECK(j["layers"].size() == 3);  // conv, relu, linear: the flatten is left out
  CHECK((j["class"] == "dark" || j["class"] == "light"));
  CHECK(j["gradcam_layer"] == "1");  // the relu: the last layer with maps
  for (const char* map : {"saliency", "gradcam"}) CHECK(j[map].get<std::string>().rfind("data:image/png;base64,", 0) == 0);
  CHECK(j["layers"][0]["tiles"]["count"] == 2);
  CHECK(answer.find("Connection: close\r\n") != std::string::npos);  // the worker is free for the next drawer

  const std::string refused = request(port, "POST", "/api/predict", encode_png(Image(5, 5, 1, 0)));
  CHECK(refused.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(body_of(refused).find("expected a 4x4 grey picture") != std::string::npos);
  CHECK(request(port, "GET", "/run/../CMakeLists.txt").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(request(port, "GET", "/run/README.md").rfind("HTTP/1.1 200", 0) == 0);  // data/README.md
  page.stop();
}

TEST_CASE("web: a clicked channel's strongest test crops and synthesized input, computed once and kept as features writes them") {
  test::TempDir dir("serve-channels");
  ServeRun run = tiny_run(dir.path.string());
  run.load_test = [] {
    Dataset d;
    d.channels = 1, d.rows = d.cols = 4, d.classes = {"dark", "light"};
    for (int i = 0; i < 12; ++i) {
      for (int p = 0; p < 16; ++p) d.pixels.push_back(static_cast<std::uint8_t>((i * 37 + p * 11) % 256));
      d.labels.push_back(i % 2);
    }
    return d;
  };
  run.load_model = [] {
    manual_seed(7);  // the page's weights
    auto m = build_model(kTinyModel, {1, 4, 4});
    m->eval();
    return m;
  };
  ServePage page(std::move(run), "127.0.0.1", 0);
  page.start();
  const int port = port_of(page.url());
  nlohmann::json j;
  for (int tries = 0; tries < 600; ++tries) {  // computed on a thread of its own: asked again until ready
    const std::string answer = request(port, "GET", "/api/channel?layer=1&channel=1");
    REQUIRE(answer.rfind("HTTP/1.1 200", 0) == 0);
    j = nlohmann::json::parse(body_of(answer));
    if (j["state"] != "working") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(j["state"] == "ready");
  CHECK(j["crops"].size() == 9);
  CHECK(j["field"] == "3x3 pixels, stride 1");
  for (const char* f : {"1_top.json", "1_top.png", "1_synth.npy", "1_synth.png"})
    CHECK(std::filesystem::file_size(dir.path / "features" / f) > 0);
  // The crops are the top activations features computes, in the order of its _top.json.
  const test::Bytes top = test::read_bytes(dir / "features/1_top.json");
  const auto list = nlohmann::json::parse(std::string(top.begin(), top.end()));
  std::vector<std::size_t> images;
  for (const auto& a : list)
    if (a["channel"] == 1) images.push_back(a["image"]);
  std::vector<std::size_t> shown;
  for (const auto& c : j["crops"]) shown.push_back(c["image"]);
  CHECK(shown == images);
  for (const char* bad : {"/api/channel?layer=2&channel=0", "/api/channel?layer=1&channel=2", "/api/channel?layer=1&channel=x",
                          "/api/channel?channel=0"})
    CHECK(request(port, "GET", bad).rfind("HTTP/1.1 400", 0) == 0);
  page.stop();
}
