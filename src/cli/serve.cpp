// minicnn serve: a trained run in the browser, on the draw page (minicnn/web/serve_page.hpp). This
// file: the options, the run's model and data record, its report if it has none yet, and waiting
// for Ctrl-C.
#include <csignal>
#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/web/serve_page.hpp"
#include "report_command.hpp"

namespace minicnn::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct ServeArgs {
  std::string run, host = "127.0.0.1";
  int port = 8080;
  bool raw = false;
};

// What model_input does to a picture for this model, in the page's words.
std::string preparation_text(const Shape& input, bool digit) {
  const std::string size = std::to_string(input[2]) + "×" + std::to_string(input[1]);
  if (input[0] == 1 && digit)
    return "for digits, prepared as MNIST's were (grey, cropped, fitted into 20×20 and centred by its centre of mass "
           "in " + size + ")";
  return std::string(input[0] == 1 ? "made grey" : "kept in colour") + " and resized to " + size + " pixels, as the model takes it";
}

int run_serve(const ServeArgs& a, const std::string& cmdline) {
  const std::string path = checkpoint_path(a.run);
  const std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  const std::string folder = dir.empty() ? "." : dir;
  ServeRun run;
  CheckpointInfo info;
  run.model = load_model(path, &info);
  run.model->eval();
  const DataRecord data = read_data_record(info);
  run.input_shape = info.input_shape;
  run.classes = data.classes;
  run.digit_like = data.digit_like();
  run.prepare = [data, shape = info.input_shape, raw = a.raw](const Image& picture, Image* seen) {
    return model_input(picture, shape, data, raw, seen);
  };
  run.preparation = preparation_text(info.input_shape, run.digit_like && !a.raw);
  run.norm = data.norm;
  run.load_test = [data] { return load_test_set(data, ""); };  // as features reads it: the model's input shape
  run.load_model = [path] {
    auto model = load_model(path);
    model->eval();
    return model;
  };
  run.folder = run.title = folder;
  set_num_threads(1);  // one request at a time, on one core
  ServePage server(std::move(run), a.host, a.port);  // binds now: a port in use fails here
  if (!path_exists(folder + "/report.html")) {
    try {
      std::printf("writing %s/report.html (the run has none yet)\n", folder.c_str());
      write_run_report(folder, program_of(cmdline));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: no report: %s\n", e.what());
    }
  }
  if (!server.local_only())
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
