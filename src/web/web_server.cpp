#include "web_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "minicnn/train/report.hpp"  // base64

namespace minicnn {

namespace {

// A fixed set of workers and a bounded queue of accepted connections. When the queue is full the
// accepting thread serves the connection itself: it stops accepting meanwhile, so a flood of
// connections waits in the kernel's listen backlog rather than in this process.
class BoundedQueue final : public httplib::TaskQueue {
 public:
  BoundedQueue(std::size_t workers, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (jobs_.size() < max_queued_) {
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
        return;
      }
    }
    fn();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return done_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // done, and nothing left to serve
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      fn();
    }
  }
  std::size_t max_queued_;
  std::vector<std::thread> threads_;
  std::deque<std::function<void()>> jobs_;
  std::mutex mutex_;
  std::condition_variable ready_;
  bool done_ = false;
};

using Handled = httplib::Server::HandlerResponse;

Handled refuse(httplib::Response& res, int status, const std::string& why, bool close = false) {
  if (close) res.set_header("Connection", "close");  // the body was left unread: the connection cannot be reused
  send_json(res, "{\"error\":\"" + why + "\"}", status);
  return Handled::Handled;
}

// A path with "." or ".." segments, a backslash or a NUL: nothing this server has.
bool suspicious(const std::string& p) {
  if (p.empty() || p[0] != '/' || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos) return true;
  std::stringstream ss(p);
  for (std::string seg; std::getline(ss, seg, '/');)
    if (seg == "." || seg == "..") return true;
  return false;
}

// The number in a Content-Length header, or -1 if it is not a plain number.
long long content_length(const std::string& v) {
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(v);
}

}  // namespace

bool WebServer::loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

WebServer::WebServer(const WebServerOptions& o) : options_(o) {
  auto& s = server_;
  s.new_task_queue = [o] { return new BoundedQueue(o.workers, o.max_queued); };
  std::size_t largest = o.max_body;
  for (const auto& [path, limit] : o.body_limits) largest = std::max(largest, limit);
  s.set_payload_max_length(largest);  // a backstop: bodies are refused by their Content-Length below
  s.set_read_timeout(5, 0);           // per receive while a request comes in
  s.set_write_timeout(5, 0);          // per send: a client that stops reading frees its worker
  s.set_keep_alive_timeout(1);        // an idle connection holds a worker this long
  s.set_keep_alive_max_count(100);
  // Answers go out at once: with Nagle's algorithm the body, written after the headers, waited for
  // the client's delayed ACK, 40 ms on Linux (a /api/predict took 48 ms seen by the client, 4 ms in
  // the server; bench/RESULTS.md).
  s.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second server binds a port
  // already in use and the two share its connections, instead of the second one failing.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"X-Frame-Options", "DENY"},
                         {"Referrer-Policy", "no-referrer"},
                         {"Cache-Control", "no-store"},
                         {"Content-Security-Policy",
                          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                          "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'none'"}});
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!host_allowed(req)) return refuse(res, 403, "unknown Host");
    const auto limit = options_.body_limits.count(req.path) ? options_.body_limits.at(req.path) : options_.max_body;
    if (req.has_header("Transfer-Encoding")) return refuse(res, 411, "send a Content-Length", true);
    if (req.has_header("Content-Length")) {
      const long long n = content_length(req.get_header_value("Content-Length"));
      if (n < 0) return refuse(res, 400, "bad Content-Length", true);
      if (static_cast<unsigned long long>(n) > limit)
        return refuse(res, 413, "request body over " + std::to_string(limit) + " bytes", true);
    }
    if (suspicious(req.path)) return refuse(res, 404, "not found");
    if (req.method == "POST" && req.has_header("Origin") &&
        req.get_header_value("Origin") != "http://" + req.get_header_value("Host"))
      return refuse(res, 403, "cross-origin request");
    return Handled::Unhandled;
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_json(res, "{\"error\":\"HTTP status " + std::to_string(res.status) + "\"}", res.status);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_json(res, "{\"error\":\"internal error\"}", 500);
  });
  s.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  const bool bound = o.port == 0 ? (port_ = s.bind_to_any_port(o.host)) > 0 : s.bind_to_port(o.host, o.port);
  if (!bound)
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                             (errno ? std::strerror(errno) : "the address is not usable"));
  if (o.port != 0) port_ = o.port;
}

WebServer::~WebServer() { stop(); }

void WebServer::start() {
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

void WebServer::stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebServer::url() const {
  const std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
  return "http://" + host + ":" + std::to_string(port_) + "/";
}

bool WebServer::host_allowed(const httplib::Request& req) const {
  if (!loopback(options_.host)) return true;  // opened up on purpose (--host): any name may reach it
  std::string host = req.get_header_value("Host");
  const std::string port = ":" + std::to_string(port_);
  if (host.size() > port.size() && host.compare(host.size() - port.size(), port.size(), port) == 0)
    host.resize(host.size() - port.size());
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == options_.host;
}

void send_json(httplib::Response& res, const std::string& json, int status) {
  res.status = status;
  res.set_content(json, "application/json");
}

std::string png_data_url(const Image& img) { return "data:image/png;base64," + base64(encode_png(img)); }

std::string mime_type(const std::string& name) {
  static const std::map<std::string, std::string> types{
      {"html", "text/html; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"},
      {"json", "application/json"},         {"txt", "text/plain; charset=utf-8"},   {"png", "image/png"},
      {"svg", "image/svg+xml"},             {"jpg", "image/jpeg"},                  {"jpeg", "image/jpeg"}};
  const auto dot = name.rfind('.');
  const auto t = dot == std::string::npos ? types.end() : types.find(name.substr(dot + 1));
  return t == types.end() ? "application/octet-stream" : t->second;
}

void send_file_below(const std::string& root, const std::string& relative, httplib::Response& res) {
  constexpr std::size_t kMaxFile = 256u << 20;
  char real_root[PATH_MAX], real_file[PATH_MAX];
  const std::string path = root + "/" + relative;
  struct stat st {};
  const bool found = !relative.empty() && relative[0] != '/' && ::realpath(root.c_str(), real_root) &&
                     ::realpath(path.c_str(), real_file) && std::strncmp(real_file, real_root, std::strlen(real_root)) == 0 &&
                     real_file[std::strlen(real_root)] == '/' && ::stat(real_file, &st) == 0 && S_ISREG(st.st_mode) &&
                     static_cast<std::size_t>(st.st_size) <= kMaxFile;
  std::ifstream in(found ? real_file : "", std::ios::binary);
  if (!found || !in) {
    send_json(res, "{\"error\":\"not found\"}", 404);
    return;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  res.set_header("Content-Security-Policy", "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
  res.set_content(bytes.str(), mime_type(relative).c_str());
}

}  // namespace minicnn
