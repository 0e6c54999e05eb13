// report/svg_plot.hpp - a log-log line plot written directly as SVG.
//
// Enough for the benchmark report and no more: series of (x, y) points drawn
// as lines with markers on logarithmic axes, a legend, tick labels formatted
// by the caller, and vertical markers (the crossover x*). Every text is XML-
// escaped, so a path name cannot break the document. Pure: no I/O.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace missive::cli {

struct PlotPoint {
  double x = 0;
  double y = 0;
};

struct PlotSeries {
  std::string name;
  std::vector<PlotPoint> points;  // non-positive or non-finite points are skipped (log axes)
  bool dashed = false;            // baselines
};

// A vertical line at `x` with a label, or, when `x` is outside the plotted
// range or not finite, the label alone in a note under the title.
struct PlotMarker {
  double x = 0;
  std::string label;
};

struct Plot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::function<std::string(double)> x_tick;  // label of a tick value
  std::function<std::string(double)> y_tick;
  double x_tick_base = 4;   // ticks at powers of this
  double y_tick_base = 10;
  std::vector<PlotSeries> series;
  std::vector<PlotMarker> markers;  // drawn in one <g id="crossover">
};

// The whole document (<?xml ...?><svg ...>...</svg>).
[[nodiscard]] std::string render_svg(const Plot& plot);

// `text` with & < > " ' escaped for XML.
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace missive::cli
