// The filter experiment: what each variant's first-layer channels respond to in the data, shown with
// the test images that excite them most (explain/top_activations.hpp), so the report tells the
// learned-vs-hand-set story with examples and not only with kernels.
#include "minicnn/experiment/compare.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/top_activations.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/train/report.hpp"

namespace minicnn::compare {

void add_crops_section(Report& r, const std::vector<VariantResult>& results, const ReportInput& in) {
  const Experiment& e = *in.experiment;
  const Dataset& test = *e.data.test;
  r.heading("What the first-layer channels respond to");
  r.paragraph("For each variant (first seed), every channel of the first conv layer (" + e.conv_path + ") with the " +
              std::to_string(std::min<std::size_t>(6, test.size())) + " test images that excite it most (the largest value of its " +
              "map), cut to the part of the picture the channel sees (Zeiler & Fergus 2014). A hand-set edge filter picks edges of "
              "its direction whatever the digit; compare which learned channels found the same, and which found something else.");
  explain::TopActivationsOptions o;
  o.k = std::min<std::size_t>(6, test.size());
  std::vector<Figure> figs;
  for (const auto& v : results) {
    if (v.runs.empty()) continue;
    const std::string path = e.out + "/" + v.name + "/model.npz";
    auto model = load_model(path);
    const auto tops = explain::top_activations(*model, test, e.norm, {e.conv_path}, o);
    const explain::ReceptiveField rf = explain::receptive_field(*model, e.conv_path, e.input);
    figs.push_back({"images/crops_" + v.name + ".png", v.name + ": " + variant_info(v.name).meaning,
                    explain::render_top_crops(tops[0], test, rf, v.name + ", layer " + e.conv_path + ", receptive field " + rf.str()), "", 0});
  }
  r.figures(figs);
}

}  // namespace minicnn::compare
