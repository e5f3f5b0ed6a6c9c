#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/train/run_report.hpp"
#include "train/two_classes.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("confusion_svg names the classes and shows counts and per-class accuracy") {
  const std::string svg = confusion_svg({{1, 0}, {1, 2}}, {"left", "right"});
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find(">left</text>") != std::string::npos);
  CHECK(svg.find(">right</text>") != std::string::npos);
  CHECK(svg.find(">2</text>") != std::string::npos);
  CHECK(svg.find(">66.7%</text>") != std::string::npos);
  CHECK(svg.find(">100.0%</text>") != std::string::npos);
  CHECK_THROWS_WITH_AS(confusion_svg({{1}}, {"a", "b"}), "confusion_svg: 1 rows for 2 class names", std::invalid_argument);
}

TEST_CASE("run_report: curves, confusion matrix, mistakes, model, settings and the command, in HTML and Markdown") {
  auto model = left_or_right();
  const Dataset d = two_classes();
  RunReportInput run;
  run.title = "runs/tiny";
  run.about = "A tiny model";
  for (std::size_t e = 1; e <= 2; ++e) {
    EpochMetrics m;
    m.epoch = e, m.train_loss = 1.0 / e, m.train_accuracy = 0.5 + 0.1 * e, m.test_loss = 1.1 / e, m.test_accuracy = 0.6;
    m.lr = 0.1, m.seconds = 2, m.images_per_second = 1000;
    run.epochs.push_back(m);
  }
  run.batch_loss = {1.2f, 1.f, 0.9f, 0.6f, 0.5f, 0.4f};
  run.batch_lr = {0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f};  // a change made on the live page at batch 3
  run.batches_per_epoch = 3;
  run.settings = {{"--epochs", "2"}};
  run.command = "minicnn train --epochs 2 --out runs/tiny-again";
  const Report r = run_report(run, *model, {1, 2, 2}, d, {});
  const std::string html = r.html(), md = r.markdown();
  for (const char* part : {"Training run runs/tiny", "Test accuracy 75.00% (3 of 4 test images) after 2 epochs, 4.0 s of training",
                           "<h2>Curves</h2>", "Learning rate", "Throughput", "<h2>Confusion matrix</h2>",
                           "<h2>Most confused pairs</h2>", "<td>right</td><td>left</td><td class=\"n\">1</td>",
                           "<h2>Misclassified test images</h2>", "1 of 4 test images are misclassified", "<h2>Model</h2>",
                           "Linear(in_features=4, out_features=2, bias=True)", "<h2>Settings</h2>", "<h2>Reproduce</h2>",
                           "minicnn train --epochs 2 --out runs/tiny-again"})
    CHECK_MESSAGE(html.find(part) != std::string::npos, "missing: " << part);
  CHECK(html.find("First-layer kernels") == std::string::npos);  // no conv layer, no filmstrip
  CHECK(md.find("![true class (black) and the model's answer (red)](report/misclassified.png)") != std::string::npos);
  CHECK(md.find("| right | left | 1 | 33.3% |") != std::string::npos);
  TempDir dir("run-report");
  r.write(dir.path.string());
  for (const char* f : {"report.html", "report.md", "report/loss.svg", "report/accuracy.svg", "report/confusion.svg",
                        "report/misclassified.png", "report/confused_pairs.png"})
    CHECK_MESSAGE(std::filesystem::exists(dir / f), f);
}

TEST_CASE("run_report of an old run: no per-batch records, a note says so, and a perfect model has no mistakes section") {
  auto model = left_or_right();
  Dataset d = two_classes();
  d.labels = {0, 1, 0, 1};  // now every answer is right
  RunReportInput run;
  run.title = "runs/old";
  run.notes = {"The training loss per batch was not recorded."};
  const std::string html = run_report(run, *model, {1, 2, 2}, d, {}).html();
  CHECK(html.find("<li>The training loss per batch was not recorded.</li>") != std::string::npos);
  CHECK(html.find("<h2>Curves</h2>") == std::string::npos);
  CHECK(html.find("The model gets every test image right.") != std::string::npos);
  CHECK(html.find("Misclassified") == std::string::npos);
}
