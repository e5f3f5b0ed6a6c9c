// minicnn datasets: make the generated colour set, export an IDX dataset as an image folder, and
// say what a data folder holds.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/data/shapes.hpp"

namespace minicnn::cli {

namespace {

struct ShapesArgs {
  std::string out = "data/shapes";
  std::size_t train = 4000, test = 1000, size = 32;
  std::uint64_t seed = 1;
  bool force = false;
};

struct ExportArgs {
  std::string dataset, data, out;
  std::size_t limit = 0, test_limit = 0;
  bool force = false;
};

// A folder that already holds something is not written into, unless asked: nothing is lost.
void check_out(const std::string& out, bool force) {
  if (path_exists(out + "/train") && !force)
    throw UsageError(out + " already holds a dataset (" + out + "/train); choose another --out or pass --force");
}

int run_shapes(const ShapesArgs& a, const std::string& cmdline) {
  check_out(a.out, a.force);
  const Dataset train = make_shapes(a.train, a.size, a.seed), test = make_shapes(a.test, a.size, a.seed, a.train);
  save_image_folder(train, a.out + "/train");
  save_image_folder(test, a.out + "/test");
  std::printf("%s: %zu training and %zu test images of %zux%zu colour shapes (%s), seed %zu\n", a.out.c_str(), train.size(),
              test.size(), a.size, a.size, join(train.classes).c_str(), static_cast<std::size_t>(a.seed));
  std::printf("train on it: %s train --data %s --augment crop,flip --epochs 15 --out runs/shapes\n",
              program_of(cmdline).c_str(), a.out.c_str());
  return kExitOk;
}

int run_export(const ExportArgs& a) {
  check_out(a.out, a.force);
  const DataSource src = resolve_data(a.dataset, a.data);
  if (!src.note.empty()) std::printf("%s\n", src.note.c_str());
  if (src.format != DataFormat::idx) throw UsageError("export reads MNIST-format IDX data; " + src.dir + " holds " + format_name(src.format));
  DataOptions o;
  o.dir = src.dir;
  o.idx_classes = idx_classes(src.dataset);
  DataSplits d = load_data(o);
  // --test-limit defaults to --limit (its one meaning before --test-limit existed: both splits).
  for (const std::string& note : {apply_limit(d.train, a.limit, kTestSubsetSeed, "--limit"),
                                   apply_limit(d.test, a.test_limit ? a.test_limit : a.limit, kTestSubsetSeed, "--test-limit")})
    if (!note.empty()) std::printf("%s\n", note.c_str());
  Progress progress;
  save_image_folder(d.train, a.out + "/train");
  save_image_folder(d.test, a.out + "/test");
  std::printf("%s: %zu training and %zu test images of %s as PNG files in class folders (%s)\n", a.out.c_str(), d.train.size(),
              d.test.size(), src.dataset.c_str(), join(d.train.classes).c_str());
  return kExitOk;
}

}  // namespace

void add_datasets_commands(CLI::App& app, Command& command) {
  CLI::App* ds = app.add_subcommand("datasets", "make a demo colour dataset, or export MNIST-format data as an image folder");
  ds->require_subcommand(1);
  auto sa = std::make_shared<ShapesArgs>();
  CLI::App* shapes = ds->add_subcommand("make-shapes", "generate coloured circles, squares, triangles and stripes on textured "
                                                       "backgrounds as an image folder (train/ and test/)");
  shapes->add_option("--out", sa->out, "folder to write")->capture_default_str();
  shapes->add_option("--train", sa->train, "training images")->check(whole_number(4, 1000000))->capture_default_str();
  shapes->add_option("--test", sa->test, "test images")->check(whole_number(4, 1000000))->capture_default_str();
  shapes->add_option("--size", sa->size, "image side in pixels")->check(whole_number(8, 1024))->capture_default_str();
  shapes->add_option("--seed", sa->seed, "the same seed draws the same images")->check(whole_number(0, 1ull << 62))->capture_default_str();
  shapes->add_flag("--force", sa->force, "write into a folder that already holds a dataset");
  shapes->footer(
      "examples:\n"
      "  minicnn datasets make-shapes --out data/shapes\n"
      "  minicnn train --data data/shapes --augment crop,flip --epochs 15 --out runs/shapes\n"
  );
  command.register_run(shapes, [sa](const std::string& cmdline) { return run_shapes(*sa, cmdline); });

  auto ea = std::make_shared<ExportArgs>();
  CLI::App* exp = ds->add_subcommand("export", "write MNIST or Fashion-MNIST as PNG files in class folders (OUT/train, OUT/test)");
  exp->add_option("dataset", ea->dataset, "mnist or fashion-mnist")->required()->check(one_of({"mnist", "fashion-mnist"}));
  exp->add_option("--data", ea->data, "the folder with its IDX files (default data/<dataset>)");
  exp->add_option("--out", ea->out, "folder to write")->required();
  exp->add_option("--limit", ea->limit, "only N training images, every class in proportion, the same N every time (0: all)")
      ->check(whole_number(0, 100000000));
  exp->add_option("--test-limit", ea->test_limit, "only N test images, likewise (default: --limit)")->check(whole_number(0, 100000000));
  exp->add_flag("--force", ea->force, "write into a folder that already holds a dataset");
  exp->footer(
      "examples:\n"
      "  minicnn datasets export fashion-mnist --out data/fashion-png\n"
      "  minicnn train --data data/fashion-png --out runs/fashion-png\n"
  );
  command.register_run(exp, [ea](const std::string&) { return run_export(*ea); });
}

}  // namespace minicnn::cli
