// The draw page through its library API: a model, a picture-preparing callback, and HTTP on a
// free port of this machine (a plain socket plays the browser).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
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

ServeRun tiny_run(const std::string& folder) {
  ServeRun run;
  run.model = build_model("conv 2 3 pad=1, relu, flatten, linear 2", {1, 4, 4});
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

  const std::string refused = request(port, "POST", "/api/predict", encode_png(Image(5, 5, 1, 0)));
  CHECK(refused.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(body_of(refused).find("expected a 4x4 grey picture") != std::string::npos);
  CHECK(request(port, "GET", "/run/../CMakeLists.txt").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(request(port, "GET", "/run/README.md").rfind("HTTP/1.1 200", 0) == 0);  // data/README.md
  page.stop();
}
