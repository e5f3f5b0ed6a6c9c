#include "settings_options.hpp"

#include "common.hpp"

namespace minicnn::cli {

void add_run_options(CLI::App& cmd, RunSettings& s) {
  for (const auto& info : run_settings_table()) {
    std::visit(
        [&](auto m) {
          using T = std::decay_t<decltype(s.*m)>;
          if constexpr (std::is_same_v<T, bool>) {
            const std::string names = info.flag == "--normalize" ? "--normalize,!--no-normalize" : info.flag;
            cmd.add_flag(names, s.*m, info.help);
          } else {
            CLI::Option* o = cmd.add_option(info.flag, s.*m, info.help);
            if (!info.choices.empty()) o->check(one_of(info.choices));
            if constexpr (std::is_integral_v<T>)
              if (info.max > 0) o->check(whole_number(static_cast<std::uint64_t>(info.min), static_cast<std::uint64_t>(info.max)));
            if constexpr (std::is_floating_point_v<T>)
              if (info.max > 0) o->check(real_number(info.min, info.max, info.min_open));
            // "=value" only where the value is what a run uses: not where the help text says what
            // the default depends on ("default: 3 if any training image is in colour").
            const bool says_default = info.help.find("default:") != std::string::npos ||
                                      info.help.find("(default ") != std::string::npos;
            if constexpr (!std::is_same_v<T, std::string>) {
              if (!says_default) o->capture_default_str();
            }
            else if (!(s.*m).empty() && !says_default) o->capture_default_str();
          }
        },
        info.member);
  }
}

void refuse_fixed_on_resume(const CLI::App& cmd) {
  for (const auto& info : run_settings_table()) {
    if (!info.fixed) continue;
    if (cmd.count(info.flag))
      throw UsageError(info.flag + " cannot be changed when resuming: the checkpoint fixes it");
    if (info.flag == "--normalize" && cmd.count("--no-normalize"))
      throw UsageError("--no-normalize cannot be changed when resuming: the checkpoint fixes it");
  }
}

std::vector<std::string> given_settings(const CLI::App& cmd) {
  std::vector<std::string> keys;
  for (const auto& info : run_settings_table())
    if (cmd.count(info.flag) || (info.flag == "--normalize" && cmd.count("--no-normalize"))) keys.push_back(info.key);
  return keys;
}

}  // namespace minicnn::cli
