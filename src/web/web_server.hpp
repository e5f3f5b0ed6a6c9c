#pragma once
// Private to the web part: the small web server behind the live page (LiveMonitor) and the draw
// page (ServePage), Debian's cpp-httplib running on its own threads inside the process. No public
// header includes this one, so httplib stays a private dependency of the library.
//
// Safe by default:
//   - it listens on 127.0.0.1 unless told otherwise (the caller warns when it is not);
//   - requests name a Host this server answers to (no DNS rebinding from a web page), and a
//     POST from another page's origin is refused;
//   - bodies are limited per path and refused from their Content-Length before they are read;
//     chunked uploads are refused;
//   - paths with "." or ".." segments, backslashes or NUL get 404, and files are served only from
//     below the one folder the caller names, never through a symbolic link that leaves it;
//   - a fixed number of workers serve connections; past a bounded queue the accepting thread
//     serves the next connection itself, so further clients wait in the kernel's backlog instead
//     of holding file descriptors in this process; idle and stalled connections time out.
// None of this shares a thread with training: see minicnn/web/live.hpp for how the two meet.
#include <httplib.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "minicnn/io/image_io.hpp"

namespace minicnn {

struct WebServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                                // 0: any free port
  std::size_t workers = 8, max_queued = 32;       // connections being served, and waiting for a worker
  std::size_t max_body = 16 << 10;                // bytes, for any path not in body_limits
  std::map<std::string, std::size_t> body_limits;  // path -> bytes (e.g. an image upload)
};

class WebServer {
 public:
  // Binds at once; throws std::runtime_error("cannot listen on HOST:PORT: REASON") when it cannot.
  explicit WebServer(const WebServerOptions& options);
  ~WebServer();  // stops serving and joins the threads
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  httplib::Server& routes() { return server_; }
  void start();  // serves on a thread of its own
  void stop();
  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:8080/"
  // True for 127.0.0.1, ::1 and localhost: only this machine can connect.
  static bool loopback(const std::string& host);

 private:
  bool host_allowed(const httplib::Request& req) const;
  WebServerOptions options_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Answers with the file at `relative` below `root` (a request path with its prefix removed), or
// 404 when there is none, it is not a regular file, or it resolves outside root. Files other
// than the library's own pages are sandboxed (no script runs in them).
void send_file_below(const std::string& root, const std::string& relative, httplib::Response& res);
// Sets a JSON body, and the status if given.
void send_json(httplib::Response& res, const std::string& json, int status = 200);
// A picture as a "data:image/png;base64,..." URL, for JSON answers.
std::string png_data_url(const Image& img);
// The MIME type of a file name by its extension ("report.html" -> "text/html; charset=utf-8").
std::string mime_type(const std::string& name);

}  // namespace minicnn
