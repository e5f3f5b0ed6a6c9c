#pragma once
// Reports: one document model, rendered twice, so the HTML page and the Markdown file can never say
// different things. A Report is a list of blocks (headings, paragraphs, lists, tables, pictures,
// charts); html() makes one self-contained page (pictures inlined, opens from disk, no
// JavaScript), write() puts report.html, report.md and the pictures the Markdown links to in a
// folder. `minicnn compare` and every training run's report use it.
#include <string>
#include <utility>
#include <vector>

#include "minicnn/io/image_io.hpp"

namespace minicnn {

// A line chart as standalone SVG: axes with ticks, one line per series, a legend. A series with
// low/high values also draws its band (e.g. mean +- one standard deviation over seeds).
struct ChartSeries {
  std::string name, color;                        // color: any CSS colour, e.g. "#1f77b4"
  std::vector<std::pair<double, double>> points;  // (x, y)
  std::vector<std::pair<double, double>> band;    // (low, high) per point, or empty
  bool dots = false;                              // also mark every point (short series)
};
struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 720, height = 360;
  double x_min = 0, x_max = 0;  // x range; equal: from the data
  bool integer_x = false;       // ticks only at whole numbers (epochs)
};
std::string svg_line_chart(const std::vector<ChartSeries>& series, const ChartOptions& options);

// A picture in a report: PNG pixels or SVG text, with the file name Markdown links it under.
struct Figure {
  std::string file;     // "images/kernels.png"
  std::string caption;  // under the picture (and its alt text)
  Image png;            // when svg is empty
  std::string svg;
  int width = 0;        // display width in the page, px (0: natural)
};

class Report {
 public:
  explicit Report(std::string title) : title_(std::move(title)) {}
  Report& heading(const std::string& text, int level = 2);
  Report& paragraph(const std::string& text);
  Report& bullets(const std::vector<std::string>& items);
  // A table; cells are text. right_align: numbers' columns read better aligned right.
  Report& table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                bool right_align_numbers = true);
  Report& figures(const std::vector<Figure>& figures);  // side by side where they fit
  Report& code(const std::string& text);

  std::string html() const;      // self-contained
  std::string markdown() const;  // pictures as links to their files
  // Writes dir/report.html, dir/report.md and every figure's file under dir; returns report.html's path.
  std::string write(const std::string& dir) const;

 private:
  struct Block {
    enum class Kind { heading, paragraph, bullets, table, figures, code } kind;
    int level = 2;
    std::vector<std::string> text;                 // paragraph/code: one; bullets: items; table: header
    std::vector<std::vector<std::string>> rows;    // table
    std::vector<Figure> figures;
    bool right_align = true;
  };
  std::string title_;
  std::vector<Block> blocks_;
};

std::string html_escape(const std::string& s);
std::string base64(const std::string& bytes);

}  // namespace minicnn
