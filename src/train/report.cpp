#include "minicnn/train/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "minicnn/io/atomic_file.hpp"

namespace minicnn {

namespace {

// 1, 2 or 5 times a power of ten, so that about n ticks cover the span.
double nice_step(double span, int n) {
  const double raw = span / std::max(n, 1), p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return b;
}

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return *end == '\0' || *end == '%' || *end == ' ';
}

const char* kStyle =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:0.8em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#f3f3f3}"
    ".figs{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}figure{margin:0;max-width:100%;min-width:0}"
    "figcaption{font-size:0.92em;color:#444;max-width:520px;overflow-wrap:anywhere}"
    // Nothing wider than the window: pictures shrink to the column (a 1200-px window cut lenet5's
    // crops and titles), svg charts too, and a wide table scrolls in its own box, its text column
    // kept readable instead of squeezed to one word a line.
    "img,svg{max-width:100%;height:auto}img{image-rendering:pixelated}"
    ".wide{overflow-x:auto;max-width:100%}td:last-child:not(.n){min-width:12em}"
    "pre{background:#f6f6f6;padding:0.6em;overflow-x:auto}";

std::string html_picture(const Figure& f);

}  // namespace

std::string html_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) out += {t[byte(i) >> 2], t[(byte(i) & 3) << 4], '=', '='};
  if (i + 2 == in.size()) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

namespace {
std::string html_picture(const Figure& f) {
  if (!f.svg.empty()) return f.svg;
  return "<img alt=\"" + html_escape(f.caption) + "\"" + (f.width ? " width=\"" + std::to_string(f.width) + "\"" : std::string()) +
         " src=\"data:image/png;base64," + base64(encode_png(f.png)) + "\">";
}
}  // namespace

std::string svg_line_chart(const std::vector<ChartSeries>& series, const ChartOptions& o) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const auto [x, y] = s.points[i];
      if (!std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      if (i < s.band.size()) y0 = std::min(y0, s.band[i].first), y1 = std::max(y1, s.band[i].second);
    }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (o.x_max > o.x_min) x0 = o.x_min, x1 = o.x_max;
  if (x1 == x0) x0 -= 0.5, x1 += 0.5;  // one epoch: centre the points instead of an axis from 1 to 2
  if (y1 == y0) y0 -= 0.5, y1 += 0.5;
  const double ystep = nice_step(y1 - y0, 5), xstep = o.integer_x ? std::max(1.0, nice_step(x1 - x0, 8)) : nice_step(x1 - x0, 8);
  y0 = std::floor(y0 / ystep) * ystep;
  y1 = std::ceil(y1 / ystep) * ystep;
  const int L = 64, R = 170, T = 34, B = 46, pw = o.width - L - R, ph = o.height - T - B;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::ostringstream s;
  s.precision(5);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height << "\" viewBox=\"0 0 "
    << o.width << " " << o.height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << o.width / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">" << html_escape(o.title) << "</text>\n";
  for (double y = y0; y <= y1 + ystep / 2; y += ystep)
    s << "<line x1=\"" << L << "\" x2=\"" << L + pw << "\" y1=\"" << py(y) << "\" y2=\"" << py(y) << "\" stroke=\"#ddd\"/><text x=\""
      << L - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">" << num(y) << "</text>\n";
  for (double x = std::ceil(x0 / xstep) * xstep; x <= x1 + xstep / 100; x += xstep)
    s << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << T + ph << "\" y2=\"" << T + ph + 5
      << "\" stroke=\"#333\"/><text x=\"" << px(x) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\">" << num(x) << "</text>\n";
  s << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph << "\" fill=\"none\" stroke=\"#333\"/>\n"
    << "<text x=\"" << L + pw / 2 << "\" y=\"" << o.height - 8 << "\" text-anchor=\"middle\">" << html_escape(o.x_label) << "</text>\n"
    << "<text transform=\"translate(14," << T + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(o.y_label)
    << "</text>\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& sr = series[i];
    if (!sr.band.empty()) {  // the band: upper edge left to right, lower edge back
      s << "<polygon fill=\"" << sr.color << "\" fill-opacity=\"0.18\" stroke=\"none\" points=\"";
      for (std::size_t k = 0; k < sr.points.size() && k < sr.band.size(); ++k) s << px(sr.points[k].first) << "," << py(sr.band[k].second) << " ";
      for (std::size_t k = std::min(sr.points.size(), sr.band.size()); k-- > 0;) s << px(sr.points[k].first) << "," << py(sr.band[k].first) << " ";
      s << "\"/>\n";
    }
    s << "<polyline fill=\"none\" stroke=\"" << sr.color << "\" stroke-width=\"2\" points=\"";
    for (const auto& [x, y] : sr.points)
      if (std::isfinite(y)) s << px(x) << "," << py(y) << " ";
    s << "\"/>\n";
    if (sr.dots || sr.points.size() <= 2)
      for (const auto& [x, y] : sr.points)
        if (std::isfinite(y)) s << "<circle cx=\"" << px(x) << "\" cy=\"" << py(y) << "\" r=\"3.5\" fill=\"" << sr.color << "\"/>\n";
    const int ly = T + 14 + static_cast<int>(i) * 20;
    s << "<line x1=\"" << L + pw + 12 << "\" x2=\"" << L + pw + 34 << "\" y1=\"" << ly - 4 << "\" y2=\"" << ly - 4 << "\" stroke=\""
      << sr.color << "\" stroke-width=\"3\"/><text x=\"" << L + pw + 40 << "\" y=\"" << ly << "\">" << html_escape(sr.name) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string svg_interval_chart(const std::vector<IntervalRow>& rows, const ChartOptions& o) {
  double x0 = 1e300, x1 = -1e300;
  for (const auto& r : rows) {
    for (const double v : r.samples) x0 = std::min(x0, v), x1 = std::max(x1, v);
    x0 = std::min({x0, r.low, r.mean}), x1 = std::max({x1, r.high, r.mean});
  }
  if (x0 > x1) x0 = 0, x1 = 1;
  if (o.x_max > o.x_min) x0 = o.x_min, x1 = o.x_max;
  if (x1 - x0 < 1e-9) x0 -= 0.5, x1 += 0.5;
  const double step = nice_step(x1 - x0, 6);
  x0 = std::floor(x0 / step) * step, x1 = std::ceil(x1 / step) * step;
  const int L = 150, R = 30, T = 34, B = 46, row_h = 30, ph = static_cast<int>(rows.size()) * row_h, pw = o.width - L - R;
  const int height = T + ph + B;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * pw; };
  std::ostringstream s;
  s.precision(5);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << height << "\" viewBox=\"0 0 " << o.width
    << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << o.width / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">" << html_escape(o.title) << "</text>\n";
  for (double x = x0; x <= x1 + step / 100; x += step)
    s << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << T << "\" y2=\"" << T + ph + 5 << "\" stroke=\"#ddd\"/><text x=\""
      << px(x) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\">" << num(x) << "</text>\n";
  s << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph << "\" fill=\"none\" stroke=\"#333\"/>\n"
    << "<text x=\"" << L + pw / 2 << "\" y=\"" << height - 8 << "\" text-anchor=\"middle\">" << html_escape(o.x_label) << "</text>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = T + (static_cast<double>(i) + 0.5) * row_h;
    s << "<text x=\"" << L - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << html_escape(r.name) << "</text>\n"
      << "<line x1=\"" << px(r.low) << "\" x2=\"" << px(r.high) << "\" y1=\"" << y << "\" y2=\"" << y << "\" stroke=\"" << r.color
      << "\" stroke-width=\"3\"/>\n";
    for (const double x : {r.low, r.high})
      s << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << y - 7 << "\" y2=\"" << y + 7 << "\" stroke=\"" << r.color
        << "\" stroke-width=\"2\"/>\n";
    for (const double v : r.samples)
      s << "<circle cx=\"" << px(v) << "\" cy=\"" << y - 9 << "\" r=\"2.5\" fill=\"" << r.color << "\" fill-opacity=\"0.7\"/>\n";
    s << "<circle cx=\"" << px(r.mean) << "\" cy=\"" << y << "\" r=\"5\" fill=\"" << r.color << "\"/>\n";
  }
  s << "</svg>\n";
  return s.str();
}

Report& Report::heading(const std::string& text, int level) {
  blocks_.push_back({Block::Kind::heading, level, {text}, {}, {}, true, {}});
  return *this;
}
Report& Report::paragraph(const std::string& text) {
  blocks_.push_back({Block::Kind::paragraph, 0, {text}, {}, {}, true, {}});
  return *this;
}
Report& Report::bullets(const std::vector<std::string>& items) {
  blocks_.push_back({Block::Kind::bullets, 0, items, {}, {}, true, {}});
  return *this;
}
Report& Report::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                      bool right_align_numbers) {
  for (const auto& r : rows)
    if (r.size() != header.size()) throw std::invalid_argument("Report::table: a row has " + std::to_string(r.size()) +
                                                                " cells, the header " + std::to_string(header.size()));
  blocks_.push_back({Block::Kind::table, 0, header, rows, {}, right_align_numbers, {}});
  return *this;
}
Report& Report::figures(const std::vector<Figure>& figs) {
  blocks_.push_back({Block::Kind::figures, 0, {}, {}, figs, true, {}});
  return *this;
}
Report& Report::picture_table(const std::vector<std::string>& header, const std::vector<std::vector<Figure>>& rows) {
  for (const auto& r : rows)
    if (r.size() != header.size()) throw std::invalid_argument("Report::picture_table: a row has " + std::to_string(r.size()) +
                                                                " cells, the header " + std::to_string(header.size()));
  Block b{Block::Kind::picture_table, 0, header, {}, {}, true, {}};
  b.cells = rows;
  blocks_.push_back(std::move(b));
  return *this;
}
Report& Report::code(const std::string& text) {
  blocks_.push_back({Block::Kind::code, 0, {text}, {}, {}, true, {}});
  return *this;
}

std::string Report::html() const {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << html_escape(title_)
    << "</title>\n<style>" << kStyle << "</style></head><body>\n<h1>" << html_escape(title_) << "</h1>\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading: h << "<h" << b.level << ">" << html_escape(b.text[0]) << "</h" << b.level << ">\n"; break;
      case Block::Kind::paragraph: h << "<p>" << html_escape(b.text[0]) << "</p>\n"; break;
      case Block::Kind::code: h << "<pre><code>" << html_escape(b.text[0]) << "</code></pre>\n"; break;
      case Block::Kind::bullets:
        h << "<ul>\n";
        for (const auto& t : b.text) h << "<li>" << html_escape(t) << "</li>\n";
        h << "</ul>\n";
        break;
      case Block::Kind::table:
        h << "<div class=\"wide\"><table><tr>";
        for (const auto& t : b.text) h << "<th>" << html_escape(t) << "</th>";
        h << "</tr>\n";
        for (const auto& r : b.rows) {
          h << "<tr>";
          for (const auto& c : r) h << (b.right_align && numeric(c) ? "<td class=\"n\">" : "<td>") << html_escape(c) << "</td>";
          h << "</tr>\n";
        }
        h << "</table></div>\n";
        break;
      case Block::Kind::figures:
        h << "<div class=\"figs\">\n";
        for (const auto& f : b.figures) {
          h << "<figure>";
          h << html_picture(f);
          if (!f.caption.empty()) h << "<figcaption>" << html_escape(f.caption) << "</figcaption>";
          h << "</figure>\n";
        }
        h << "</div>\n";
        break;
      case Block::Kind::picture_table:
        h << "<div class=\"wide\"><table><tr>";
        for (const auto& t : b.text) h << "<th>" << html_escape(t) << "</th>";
        h << "</tr>\n";
        for (const auto& r : b.cells) {
          h << "<tr>";
          for (const auto& c : r)
            h << (c.png.pixels.empty() && c.svg.empty() ? (numeric(c.caption) ? "<td class=\"n\">" : "<td>") + html_escape(c.caption)
                                                        : "<td>" + html_picture(c))
              << "</td>";
          h << "</tr>\n";
        }
        h << "</table></div>\n";
        break;
    }
  }
  h << "</body></html>\n";
  return h.str();
}

std::string Report::markdown() const {
  std::ostringstream m;
  m << "# " << title_ << "\n\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading: m << std::string(static_cast<std::size_t>(b.level), '#') << " " << b.text[0] << "\n\n"; break;
      case Block::Kind::paragraph: m << b.text[0] << "\n\n"; break;
      case Block::Kind::code: m << "```\n" << b.text[0] << "\n```\n\n"; break;
      case Block::Kind::bullets:
        for (const auto& t : b.text) m << "- " << t << "\n";
        m << "\n";
        break;
      case Block::Kind::table:
        m << "|";
        for (const auto& t : b.text) m << " " << t << " |";
        m << "\n|";
        for (std::size_t i = 0; i < b.text.size(); ++i) m << "---|";
        m << "\n";
        for (const auto& r : b.rows) {
          m << "|";
          for (const auto& c : r) m << " " << c << " |";
          m << "\n";
        }
        m << "\n";
        break;
      case Block::Kind::figures:
        for (const auto& f : b.figures) m << "![" << f.caption << "](" << f.file << ")\n";
        m << "\n";
        break;
      case Block::Kind::picture_table:
        m << "|";
        for (const auto& t : b.text) m << " " << t << " |";
        m << "\n|";
        for (std::size_t i = 0; i < b.text.size(); ++i) m << "---|";
        m << "\n";
        for (const auto& r : b.cells) {
          m << "|";
          for (const auto& c : r) m << " " << (c.png.pixels.empty() && c.svg.empty() ? c.caption : "![" + c.caption + "](" + c.file + ")") << " |";
          m << "\n";
        }
        m << "\n";
        break;
    }
  }
  return m.str();
}

std::string Report::write(const std::string& dir) const {
  auto save = [&](const Figure& f) {
    if (f.svg.empty() && f.png.pixels.empty()) return;  // a text cell
    const auto slash = f.file.rfind('/');
    if (slash != std::string::npos) make_folders(dir + "/" + f.file.substr(0, slash));
    if (!f.svg.empty()) write_text_atomic(dir + "/" + f.file, f.svg);
    else save_png(dir + "/" + f.file, f.png);
  };
  for (const auto& b : blocks_) {
    for (const auto& f : b.figures) save(f);
    for (const auto& r : b.cells)
      for (const auto& f : r) save(f);
  }
  write_text_atomic(dir + "/report.md", markdown());
  write_text_atomic(dir + "/report.html", html());
  return dir + "/report.html";
}

}  // namespace minicnn
