// "What the filters detect" in a run's report: the section a caller adds through
// RunReportInput::sections, with the first two conv layers' top crops and a Grad-CAM example per class.
#include <algorithm>
#include <filesystem>

#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/report_section.hpp"
#include "minicnn/explain/top_activations.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("The run report takes 'What the filters detect' from its caller: top crops of two conv layers, Grad-CAM per class") {
  manual_seed(3);
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const Dataset test = synthetic_dataset(60, 28);
  const Normalization norm = compute_normalization(test);
  RunReportInput run;
  run.title = "runs/tiny";
  const std::string without = run_report(run, *model, {1, 28, 28}, test, norm).html();
  CHECK(without.find("What the filters detect") == std::string::npos);
  run.sections.push_back(explain::what_filters_detect);
  const Report r = run_report(run, *model, {1, 28, 28}, test, norm);
  const std::string html = r.html(), md = r.markdown();
  for (const char* part : {"<h2>What the filters detect</h2>", "Zeiler &amp; Fergus", "layer 5, MaxPool2d", "Grad-CAM"})
    CHECK_MESSAGE(html.find(part) != std::string::npos, "missing: " << part);
  CHECK(html.find("What the filters detect") < html.find("<h2>Model</h2>"));  // after the mistakes, before the model
  for (const char* link : {"(report/filters_0.png)", "(report/filters_3.png)", "(report/gradcam_classes.png)"})
    CHECK_MESSAGE(md.find(link) != std::string::npos, "missing: " << link);
  TempDir dir("filters-report");
  r.write(dir.path.string());
  const Image crops = load_image(dir / "report/filters_3.png");
  CHECK(crops.height > 16 * 40);  // one row per channel of layer 3, crops at least 40 pixels high
  CHECK(std::filesystem::exists(dir / "report/filters_0.png"));
}

TEST_CASE("Grad-CAM examples: one row per class, the right and the wrong image, blank where there is none") {
  manual_seed(4);
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const Dataset test = synthetic_dataset(40, 28);
  const Normalization norm = compute_normalization(test);
  EvalResult e = evaluate(*model, test, norm);
  Image a = explain::gradcam_examples(*model, test, norm, e, "5");
  CHECK(a.height > 10 * 84);  // ten classes, digits enlarged to 84 pixels
  // Every image right: the "wrong" column is left empty (no picture drawn there).
  for (std::size_t i = 0; i < test.size(); ++i) e.predicted[i] = test.labels[i];
  Image b = explain::gradcam_examples(*model, test, norm, e, "5");
  REQUIRE(a.width == b.width);
  std::size_t dark_a = 0, dark_b = 0;
  for (std::size_t y = 0; y < a.height; ++y)  // the "wrong" column: two 84-pixel tiles and their gaps
    for (std::size_t x = a.width - 200; x < a.width; ++x) dark_a += a.at(x, y)[0] < 128, dark_b += b.at(x, y)[0] < 128;
  CHECK(dark_b < dark_a / 4);  // only the "none wrong" captions and the heading
  CHECK_THROWS_WITH_AS(explain::gradcam_examples(*model, test, norm, e, "7"), doctest::Contains("not maps"), std::invalid_argument);
}

TEST_CASE("Synthesized inputs' picture is as wide as its pictures, its long title wrapped (was 1040 px, content in the left third)") {
  manual_seed(5);
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const Dataset test = synthetic_dataset(30, 28);
  const Normalization norm = compute_normalization(test);
  const auto top = explain::top_activations(*model, test, norm, {"3"}, {3});
  const explain::ReceptiveField rf = explain::receptive_field(*model, "3", {1, 28, 28});
  const std::size_t C = top[0].channels.size();
  Tensor synth = Tensor::from_shape({C, 1, 28, 28});
  std::vector<std::pair<std::size_t, std::size_t>> at(C, {4, 4});
  const std::string title = "layer 3: Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1)), receptive field 14x14 pixels, stride 2";
  const Image img = explain::render_synthesized(synth, at, norm, top[0], test, rf, title);
  // 14x14 crops at 4x: 56 + 8 px each, four in a row, beside the "ch 15" labels; the one-line title is wider.
  CHECK(img.width < 420);
  CHECK(text_width(title) + 16 > 800);
  CHECK(img.height > C * 56 + 3 * text_height());  // the title and the legend took more lines
}
