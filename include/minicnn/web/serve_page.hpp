#pragma once
// The draw page of a trained run (`minicnn serve`). "/" is the inside-the-network page: draw a
// digit (or drop a picture) and see the prediction, why the network answered (saliency and
// Grad-CAM over the picture, explain/attribution.hpp) and every layer's activations, updated as
// one draws; a click on any channel of a layer's output shows the test images that excite that
// channel most and an input synthesized to excite it (explain/, computed on first click and kept
// in the run's features/ folder as `minicnn features --synthesize` writes it). "/run/..." serves
// the run folder's files, its report.html first of all.
// The web server behind it is the live page's (Debian's cpp-httplib, private to the library): it
// listens on 127.0.0.1 unless told otherwise, and limits what a request may ask and send.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

class WebServer;

// What the page needs of a trained run.
struct ServeRun {
  std::unique_ptr<Sequential> model;  // in eval mode
  Shape input_shape;                  // (C, H, W)
  std::vector<std::string> classes;
  // Trained on MNIST-like digits: a grey model gets the drawing pad, and a picture that is nearly
  // black after preparation is flagged as blank.
  bool digit_like = false;
  // One decoded picture as the model's input (C, H, W), prepared as the training data was; `seen`
  // receives what the model sees, as an 8-bit image. Throws for a picture it cannot use: the page
  // shows the message.
  std::function<Tensor(const Image& picture, Image* seen)> prepare;
  // What prepare does, for the caption under "what it sees": "made grey and resized to 32x32
  // pixels", or the digit preparation. It follows the model (and --raw), so a colour model's page
  // never speaks of MNIST.
  std::string preparation;
  // For a channel's strongest test images and synthesized input, used on first click: the run's
  // test set as loaded in training (throws when it cannot be read), the inputs' normalisation,
  // and a second copy of the model in eval mode (the work runs beside the predictions). Without
  // load_test, a click says there is no test set.
  std::function<Dataset()> load_test;
  std::function<std::unique_ptr<Sequential>()> load_model;
  Normalization norm;
  std::string folder;  // the run folder: its files are served below /run/, features/ is written
  std::string title;
};

class ServePage {
 public:
  // Binds host:port at once (port 0: any free port), so a port in use fails before anything else:
  // std::runtime_error("cannot listen on HOST:PORT: REASON"). Nothing is served before start().
  // Requests are answered one at a time, with the threads the caller set (minicnn serve: one).
  ServePage(ServeRun run, const std::string& host, int port);
  ~ServePage();  // stops the server
  ServePage(const ServePage&) = delete;
  ServePage& operator=(const ServePage&) = delete;
  void start();  // serves on threads of its own
  void stop();
  std::string url() const;  // "http://127.0.0.1:8080/"
  // True when only this machine can connect (the host is 127.0.0.1, ::1 or localhost).
  bool local_only() const;

  struct Inside;  // the model and the channel views (serve_page.cpp's own)

 private:
  std::unique_ptr<Inside> inside_;
  std::unique_ptr<WebServer> server_;
  std::string host_;
};

}  // namespace minicnn
