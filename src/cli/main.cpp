// The minicnn command-line tool. Each subcommand lives in its own file in this folder; this one
// parses the command line, turns every kind of failure into one line and an exit code, and
// answers --version, help and typos.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/errors.hpp"

namespace {

using namespace minicnn::cli;
using namespace minicnn;

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* s : const_cast<CLI::App&>(app).get_subcommands([](CLI::App*) { return true; })) names.push_back(s->get_name());
  return names;
}

std::vector<std::string> option_names(CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* o : app.get_options())
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
  return names;
}

// The chain of subcommands named on the command line ("filters apply"), as far as they exist.
std::vector<CLI::App*> chosen(CLI::App& app, int argc, char** argv, std::string* unknown) {
  std::vector<CLI::App*> path{&app};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.empty() || a[0] == '-') break;
    CLI::App* sub = nullptr;
    for (auto* s : path.back()->get_subcommands([](CLI::App*) { return true; }))
      if (s->get_name() == a) sub = s;
    if (!sub) {
      if (!subcommand_names(*path.back()).empty() && unknown) *unknown = a;
      break;
    }
    path.push_back(sub);
  }
  return path;
}

std::string prefix(const std::vector<CLI::App*>& path) {
  std::string s = "minicnn";
  for (std::size_t i = 1; i < path.size(); ++i) s += " " + path[i]->get_name();
  return s;
}

int usage_error(const std::vector<CLI::App*>& path, const std::string& what) {
  std::fprintf(stderr, "%s: %s (see '%s --help')\n", prefix(path).c_str(), what.c_str(), prefix(path).c_str());
  return kExitUsage;
}

// CLI11's IsMember says "--method: gradcm not in {saliency,gradcam,occlusion,all}": the closest
// choice, as "; did you mean 'gradcam'?", or "".
std::string member_suggestion(const std::string& what) {
  const auto colon = what.find(": "), in = what.find(" not in {"), close = what.rfind('}');
  if (colon == std::string::npos || in == std::string::npos || close == std::string::npos || in < colon || close < in) return "";
  return suggestion(what.substr(colon + 2, in - colon - 2), split_list(what.substr(in + 9, close - in - 9)));
}

// CLI11's message, made into one line that names the option and suggests a spelling.
int parse_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  std::string unknown;
  const auto path = chosen(app, argc, argv, &unknown);
  if (!unknown.empty())
    return usage_error(path, "unknown command '" + unknown + "'" + suggestion(unknown, subcommand_names(*path.back())));
  // An option the command does not have ("minicnn --versoin"): CLI11 says "A subcommand is
  // required" or "The following arguments were not expected"; name it and the closest option.
  const bool no_subcommand = dynamic_cast<const CLI::RequiredError*>(&e) &&
                             std::string(e.what()).find("ubcommand") != std::string::npos &&
                             !subcommand_names(*path.back()).empty();  // CLI11: "A subcommand is required"
  if (no_subcommand || dynamic_cast<const CLI::ExtrasError*>(&e)) {
    const auto names = option_names(*path.back());
    for (int i = 1; i < argc; ++i) {
      const std::string a = std::string(argv[i]).substr(0, std::string(argv[i]).find('='));
      if (a.size() > 1 && a[0] == '-' && std::find(names.begin(), names.end(), a) == names.end() && a != "--help" && a != "-h" &&
          a != "-V")
        return usage_error(path, "unknown option '" + a + "'" + suggestion(a, names));
    }
  }
  if (no_subcommand) return usage_error(path, "expected a subcommand: " + join(subcommand_names(*path.back())));
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) return usage_error(path, std::string(e.what()) + " (unexpected arguments)");
  return usage_error(path, e.what() + member_suggestion(e.what()));
}

// minicnn help [COMMAND [SUBCOMMAND]]: that page.
int print_help(CLI::App& app, const std::vector<std::string>& topic) {
  CLI::App* target = &app;
  for (const auto& t : topic) {
    CLI::App* next = nullptr;
    for (auto* s : target->get_subcommands([](CLI::App*) { return true; }))
      if (s->get_name() == t) next = s;
    if (!next) return usage_error({target}, "unknown command '" + t + "'" + suggestion(t, subcommand_names(*target)));
    target = next;
  }
  // Not target->help(): for the app itself that would print the page of "help", the subcommand chosen.
  std::printf("%s", app.get_formatter()->make_help(target, target->get_name(), CLI::AppFormatMode::Normal).c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Buffers of 1 MiB and more get their own pages, returned to the system when freed. glibc would
  // otherwise raise this threshold to the largest block freed so far (the MNIST images, tens of
  // MB), and the evaluation's freed buffers would then stay resident for the rest of the run.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  CLI::App app{
      "minicnn: train small convolutional networks on MNIST, Fashion-MNIST, CIFAR-10 or your own image folders, and look "
      "at what they learn.\n"
      "exit codes: 0 success, 1 error (bad file, data, checkpoint), 2 bad command line, 3 training diverged"};
  app.require_subcommand(1);
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they take it over
  set_project_dir(MINICNN_SOURCE_DIR);  // data/... is found from any folder (train/data_source.hpp)
  app.set_help_all_flag("--help-all", "help for every subcommand");
  app.set_version_flag("-V,--version", std::string("minicnn ") + kVersion);
  Command command;
  add_train_command(app, command);
  add_eval_command(app, command);
  add_predict_command(app, command);
  add_picture_commands(app, command);
  add_compare_commands(app, command);
  add_datasets_commands(app, command);
  add_model_commands(app, command);
  add_info_command(app, command);
  add_report_command(app, command);
  add_serve_command(app, command);
  add_export_command(app, command);
  add_import_command(app, command);
  add_features_command(app, command);
  add_explain_command(app, command);
  CLI::App* help = app.add_subcommand("help", "help for a command: minicnn help [COMMAND [SUBCOMMAND]]");
  std::vector<std::string> help_topic;
  help->add_option("command", help_topic, "the command, and a subcommand of it");
  help->footer(
      "examples:\n"
      "  minicnn help                  every command\n"
      "  minicnn help train            every option of train\n"
      "  minicnn help filters apply    a subcommand's options\n");
  finish_help_pages(app);
  // Set last: a subcommand takes its parent's footer over when it is made.
  app.footer(
      "examples:\n"
      "  minicnn train --epochs 3 --out runs/mnist              train lenet5 on MNIST\n"
      "  minicnn train --data my_photos --augment crop,flip    your own images, one folder per class\n"
      "  minicnn models                                        the model presets\n"
      "  minicnn eval runs/mnist                               accuracy and confusion matrix\n"
      "  minicnn predict runs/mnist my_digit.png               classify a picture\n"
      "  minicnn help train                                    every option of a command\n");

  // "minicnn" alone: the command list (as "minicnn help" prints it) and exit 2, as any command
  // line that asks for no work (a script that runs "minicnn" by mistake sees it failed).
  if (argc < 2) {
    std::printf("%s", app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal).c_str());
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e, argc, argv);
  }
  if (help->parsed()) return print_help(app, help_topic);
  const auto path = chosen(app, argc, argv, nullptr);
  try {
    return command.run_parsed(command_line(argc, argv));
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    const int code = exit_code_of(error);  // a spec from the command line: 2 (a checkpoint's is a file error)
    const std::string what = message_of(error);
    if (code == kExitNumerical)
      std::fprintf(stderr, "\n%s: %s\n", prefix(path).c_str(), what.c_str());  // what says which checkpoint is kept
    else
      std::fprintf(stderr, "%s: %s%s\n", prefix(path).c_str(), code == kExitUsage ? "" : "error: ", what.c_str());
    return code;
  }
}
