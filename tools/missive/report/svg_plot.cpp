#include "report/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/core.h>

namespace missive::cli {
namespace {

constexpr double width = 960;
constexpr double height = 580;
constexpr double left = 90;
constexpr double right = 190;  // the legend
constexpr double top = 100;
constexpr double bottom = 70;
constexpr double plot_w = width - left - right;
constexpr double plot_h = height - top - bottom;

// Distinct on white, and for the common kinds of colour blindness mostly.
constexpr std::array<const char*, 10> palette = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                                 "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

bool usable(const PlotPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y) && p.x > 0 && p.y > 0; }

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = 0;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  [[nodiscard]] bool valid() const { return hi > 0 && lo <= hi; }
};

// A log axis from the power of `base` at or below lo to the one at or above hi.
struct LogAxis {
  double lo_exp = 0;
  double hi_exp = 1;
  double base = 10;
  LogAxis(Range r, double b) : base(b) {
    if (!r.valid()) r = Range{1, base};
    lo_exp = std::floor(std::log(r.lo) / std::log(base) + 1e-9);
    hi_exp = std::ceil(std::log(r.hi) / std::log(base) - 1e-9);
    if (hi_exp <= lo_exp) hi_exp = lo_exp + 1;
  }
  // 0..1 along the axis.
  [[nodiscard]] double fraction(double v) const {
    return (std::log(v) / std::log(base) - lo_exp) / (hi_exp - lo_exp);
  }
  [[nodiscard]] bool contains(double v) const {
    return std::isfinite(v) && v > 0 && fraction(v) >= -1e-9 && fraction(v) <= 1 + 1e-9;
  }
};

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_svg(const Plot& plot) {
  Range xs;
  Range ys;
  for (const PlotSeries& s : plot.series) {
    for (const PlotPoint& p : s.points) {
      if (!usable(p)) continue;
      xs.add(p.x);
      ys.add(p.y);
    }
  }
  const LogAxis ax(xs, plot.x_tick_base);
  const LogAxis ay(ys, plot.y_tick_base);
  auto px = [&](double x) { return left + ax.fraction(x) * plot_w; };
  auto py = [&](double y) { return top + (1 - ay.fraction(y)) * plot_h; };

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"28\" font-size=\"17\" font-weight=\"bold\">{3}</text>\n",
      width, height, left, xml_escape(plot.title));

  // Grid and ticks.
  svg += "<g id=\"grid\" stroke=\"#dddddd\" stroke-width=\"1\">\n";
  std::string labels;
  for (double e = ax.lo_exp; e <= ax.hi_exp + 1e-9; ++e) {
    const double v = std::pow(ax.base, e);
    const double x = px(v);
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/>\n", x, top, top + plot_h);
    labels += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, top + plot_h + 18,
                          xml_escape(plot.x_tick ? plot.x_tick(v) : fmt::format("{:g}", v)));
  }
  for (double e = ay.lo_exp; e <= ay.hi_exp + 1e-9; ++e) {
    const double v = std::pow(ay.base, e);
    const double y = py(v);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/>\n", left, y, left + plot_w);
    labels += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 8, y + 4,
                          xml_escape(plot.y_tick ? plot.y_tick(v) : fmt::format("{:g}", v)));
  }
  svg += "</g>\n";
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444444\"/>\n", left,
                     top, plot_w, plot_h);
  svg += "<g id=\"ticks\" fill=\"#333333\">\n" + labels + "</g>\n";
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"13\">{}</text>\n",
                     left + plot_w / 2, height - 22, xml_escape(plot.x_label));
  svg += fmt::format(
      "<text x=\"20\" y=\"{0:.1f}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 20 {0:.1f})\">{1}"
      "</text>\n",
      top + plot_h / 2, xml_escape(plot.y_label));

  // The crossover markers: a dashed line inside the range, else a note.
  svg += "<g id=\"crossover\">\n";
  double note_y = 50;
  int inside = 0;
  for (const PlotMarker& m : plot.markers) {
    if (ax.contains(m.x)) {
      const double x = px(m.x);
      svg += fmt::format(
          "<line class=\"crossover\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#000000\" "
          "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
          x, top, top + plot_h);
      svg += fmt::format(
          "<text class=\"crossover\" x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" fill=\"#000000\">{}</text>\n", x + 4,
          top + 16 + 15.0 * inside, xml_escape(m.label));
      ++inside;
    } else {
      svg += fmt::format("<text class=\"crossover\" x=\"{}\" y=\"{:.1f}\" font-size=\"12\" fill=\"#000000\">{}</text>\n",
                         left, note_y, xml_escape(m.label));
      note_y += 14;
    }
  }
  svg += "</g>\n";

  // Series and legend.
  svg += "<g id=\"series\" fill=\"none\" stroke-width=\"2\">\n";
  std::string legend = "<g id=\"legend\">\n";
  for (std::size_t i = 0; i < plot.series.size(); ++i) {
    const PlotSeries& s = plot.series[i];
    const char* colour = palette[i % palette.size()];
    std::string points;
    std::string dots;
    for (const PlotPoint& p : s.points) {
      if (!usable(p)) continue;
      points += fmt::format("{:.1f},{:.1f} ", px(p.x), py(p.y));
      dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\" stroke=\"none\"/>\n", px(p.x),
                          py(p.y), colour);
    }
    svg += fmt::format("<g class=\"series\" data-name=\"{}\">\n", xml_escape(s.name));
    if (!points.empty()) {
      points.pop_back();
      svg += fmt::format("<polyline points=\"{}\" stroke=\"{}\"{}/>\n", points, colour,
                         s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    }
    svg += dots + "</g>\n";
    const double ly = top + 8 + 20.0 * static_cast<double>(i);
    const double lx = left + plot_w + 16;
    legend += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", lx, ly,
        lx + 26, ly, colour, s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    legend += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", lx + 13, ly, colour);
    legend += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", lx + 34, ly + 4, xml_escape(s.name));
  }
  svg += "</g>\n" + legend + "</g>\n</svg>\n";
  return svg;
}

}  // namespace missive::cli
