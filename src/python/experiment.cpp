// minicnn.compare: the filter experiment of `minicnn compare` (experiment/compare.hpp) on a dataset
// read by minicnn.datasets: every variant of the first conv layer trained with every seed, the
// report written to out, and the results as a dict.
#include <ctime>

#include "bindings.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/experiment/compare.hpp"
#include "minicnn/experiment/compare_stats.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/settings.hpp"

namespace minicnn::python {

namespace {

py::tuple pair(const compare::MeanStd& m) { return py::make_tuple(m.mean, m.std); }

py::dict run_compare(Data& data, const std::string& model, const std::string& variants, std::size_t epochs, std::size_t seeds,
                     std::uint64_t seed, std::size_t limit, std::size_t test_limit, int threads, const std::string& out, bool force) {
  compare::Settings s;
  s.model = model, s.epochs = epochs, s.seeds = seeds, s.seed = seed, s.out = out, s.force = force;
  if (!variants.empty()) s.variants = variants;
  if (epochs == 0 || seeds == 0) throw std::invalid_argument("compare: epochs and seeds must be at least 1");
  try {
    compare::check_settings(s);
  } catch (const compare::SettingsError& e) {
    throw UsageError(e.what());
  }
  Dataset train = data.splits.train, test = data.splits.test;
  truncate(train, limit);
  truncate(test, test_limit);
  const compare::Experiment e = compare::plan(s, {&train, &test, data.source.dataset, data.source.dir, test_limit});
  std::vector<compare::VariantResult> results;
  std::vector<std::string> facts;
  {
    py::gil_scoped_release release;
    const int used = use_threads(threads);
    about_files([&] { make_folders(e.out); });
    results = compare::train_variants(e);
    compare::ReportInput in;
    in.experiment = &e;
    in.command_line = "minicnn.compare(...) from Python";
    in.threads = static_cast<std::size_t>(used);
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    in.environment = {{"date", date}, {"cpu", "see `minicnn info`"}, {"os", "see `minicnn info`"},
                      {"compiler", "see `minicnn info`"}, {"openblas", "see `minicnn info`"}, {"minicnn", "see `minicnn info`"}};
    facts = about_files([&] { return compare::write_report(results, in); });
  }
  py::dict table;
  for (const auto& v : results) {
    py::dict row;
    row["accuracy"] = pair(compare::final_accuracy(v));
    row["classical_fraction"] = pair(compare::classical_fraction(v));
    row["cosine_to_start"] = pair(compare::cosine_to_start(v));
    row["seconds"] = compare::training_seconds(v);
    py::list per_seed;
    for (const auto& r : v.runs) per_seed.append(r.test_accuracy.empty() ? 0.0 : r.test_accuracy.back());
    row["accuracy_per_seed"] = per_seed;
    table[py::str(v.name)] = row;
  }
  py::dict d;
  d["variants"] = table;
  d["findings"] = facts;
  d["report"] = e.out + "/report.html";
  return d;
}

}  // namespace

void bind_experiment(py::module_& m) {
  m.def("compare", &run_compare, py::arg("data"), py::kw_only(), py::arg("model") = "lenet5", py::arg("variants") = "",
        py::arg("epochs") = 3, py::arg("seeds") = 3, py::arg("seed") = 1, py::arg("limit") = 0, py::arg("test_limit") = 0,
        py::arg("threads") = 0, py::arg("out") = "runs/compare", py::arg("force") = false,
        "the filter experiment of `minicnn compare`: each variant of the first conv layer (random or hand-set, learned or "
        "frozen) trained with every seed; writes out/report.html and returns {'variants': name -> {'accuracy': (mean, std), "
        "'classical_fraction', 'cosine_to_start', 'seconds', 'accuracy_per_seed'}, 'findings': [...], 'report': path}");
}

}  // namespace minicnn::python
