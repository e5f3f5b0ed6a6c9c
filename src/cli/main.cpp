// The minicnn command-line tool. Each subcommand lives in its own file in this folder.
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/train.hpp"

int main(int argc, char** argv) {
  using namespace minicnn::cli;
  CLI::App app{
      "minicnn: train small convolutional networks on MNIST and look at what they learn.\n"
      "exit codes: 0 success, 1 error (bad file, data, checkpoint), 2 bad command line, 3 training diverged"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");
  Command command;
  add_train_command(app, command);
  add_eval_command(app, command);
  add_predict_command(app, command);
  add_picture_commands(app, command);
  add_compare_commands(app, command);
  add_info_command(app, command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string sub = argc > 1 && argv[1][0] != '-' ? std::string(" ") + argv[1] : "";
    std::fprintf(stderr, "minicnn%s: %s\nrun 'minicnn%s --help' for usage\n", sub.c_str(), e.what(), sub.c_str());
    return kExitUsage;
  }
  const std::string sub = app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
  try {
    return command.run_parsed(command_line(argc, argv));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "minicnn%s: %s\n", sub.c_str(), e.what());
    return kExitUsage;
  } catch (const minicnn::TrainingDiverged& e) {
    std::fprintf(stderr, "\nminicnn%s: %s\nThe last checkpoint written before this batch is kept.\n", sub.c_str(), e.what());
    return kExitNumerical;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minicnn%s: error: %s\n", sub.c_str(), e.what());
    return kExitError;
  }
}
