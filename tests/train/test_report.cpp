#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/train/report.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("A report says the same in HTML and Markdown, inlines its pictures and writes their files") {
  Report r("A <run>");
  r.heading("Numbers").paragraph("loss & accuracy").bullets({"one", "two"});
  r.table({"variant", "accuracy"}, {{"random", "99.00%"}, {"frozen", "98.46%"}});
  ChartSeries s{"random", "#1f77b4", {{1, 0.5}, {2, 0.3}}, {{0.4, 0.6}, {0.2, 0.4}}, true};
  r.figures({{"images/loss.svg", "the loss", {}, svg_line_chart({s}, {"Loss", "epoch", "loss", 720, 360, 0, 0, true}), 0},
             {"images/k.png", "kernels", Image(4, 3, 3, 200), "", 0}});
  const std::string html = r.html(), md = r.markdown();
  CHECK(html.find("<title>A &lt;run&gt;</title>") != std::string::npos);
  CHECK(html.find("loss &amp; accuracy") != std::string::npos);
  CHECK(html.find("<td class=\"n\">98.46%</td>") != std::string::npos);
  CHECK(html.find("data:image/png;base64,") != std::string::npos);
  CHECK(html.find("<polygon") != std::string::npos);  // the band
  CHECK(md.find("| frozen | 98.46% |") != std::string::npos);
  CHECK(md.find("![kernels](images/k.png)") != std::string::npos);
  CHECK_THROWS_AS(r.table({"a", "b"}, {{"only one"}}), std::invalid_argument);
  TempDir dir("report");
  r.write(dir.path.string());
  CHECK(std::filesystem::exists(dir / "report.html"));
  CHECK(std::filesystem::exists(dir / "images/loss.svg"));
  CHECK(load_image(dir / "images/k.png").width == 4);
  CHECK(base64("Man") == "TWFu");
  CHECK(base64("Ma") == "TWE=");
  CHECK(base64("M") == "TQ==");
}

TEST_CASE("A chart of one epoch centres its points instead of an axis from 1 to 2") {
  ChartSeries one{"v", "#000", {{1, 98.5}}, {}, false};
  const std::string svg = svg_line_chart({one}, {"acc", "epoch", "%", 720, 360, 0, 0, true});
  CHECK(svg.find("<circle") != std::string::npos);  // a lone point is drawn as a dot
  CHECK(svg.find(">2</text>") == std::string::npos);
  CHECK(svg.find(">1</text>") != std::string::npos);
}

TEST_CASE("A picture table draws pictures in its cells and keeps text cells as text, in both renderings") {
  Report r("kernels");
  r.picture_table({"kernel", "after", "|cos|"},
                  {{{"", "k0", {}, "", 0}, {"images/k0.png", "k0 after training", Image(3, 3, 3, 100), "", 0}, {"", "0.87", {}, "", 0}}});
  const std::string html = r.html(), md = r.markdown();
  CHECK(html.find("<td>k0</td><td><img alt=\"k0 after training\" src=\"data:image/png;base64,") != std::string::npos);
  CHECK(html.find("<td class=\"n\">0.87</td>") != std::string::npos);
  CHECK(md.find("| k0 | ![k0 after training](images/k0.png) | 0.87 |") != std::string::npos);
  CHECK_THROWS_AS(r.picture_table({"a"}, {{}}), std::invalid_argument);
  TempDir dir("picture_table");
  r.write(dir.path.string());
  CHECK(load_image(dir / "images/k0.png").width == 3);
}

TEST_CASE("An interval chart draws every sample, the mean and its bar") {
  const std::string svg = svg_interval_chart({{"random", "#1f77b4", {98.9, 99.0, 99.1}, 99.0, 98.9, 99.1},
                                              {"frozen", "#d62728", {98.4}, 98.4, 98.4, 98.4}},
                                             {"Final test accuracy", "test accuracy (%)", "", 720, 0});
  std::size_t circles = 0;
  for (std::size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) ++circles;
  CHECK(circles == 4 + 2);  // every sample, and each mean
  CHECK(svg.find(">random</text>") != std::string::npos);
  CHECK(svg.find(">frozen</text>") != std::string::npos);
}
