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

#include "minicnn/train/run_folder.hpp"
#include "minicnn/vision/kernel_png.hpp"

TEST_CASE("The filmstrip has a title, a caption per frame and a legend under the frames") {
  manual_seed(3);
  Conv2d conv(1, 6, 5);
  KernelImageOptions o;
  o.legend = o.labels = false;
  o.range = 0.5f;  // one scale for every frame
  std::vector<std::pair<std::string, Image>> frames{{"epoch 0", render_kernels(conv.weight().value, o)},
                                                    {"epoch 1", render_kernels(conv.weight().value, o)}};
  const Image legend = render_legend(0.5f, {});
  const Image strip = filmstrip(frames, "layer 0 (Conv2d(1, 6, ...)), its kernels after each epoch", legend);
  CHECK(strip.width >= 2 * frames[0].second.width);
  CHECK(strip.height >= text_height() * 2 + frames[0].second.height + legend.height);
  CHECK(filmstrip(frames).height < strip.height);  // without a title and a legend
}
