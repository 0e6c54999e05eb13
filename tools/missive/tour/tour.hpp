// tour.hpp - `missive tour`: missive's main job, a guided run over the machine.
//
// Each capability adds a chapter that runs it for real on this machine and
// prints what it measured. Chapters run in order; `--chapter` picks some.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace missive::cli {

struct TourOptions {
  bool quick = false;                  // fewer repetitions (CI smoke run)
  std::vector<std::string> chapters;   // empty: all
};

struct Chapter {
  std::string name;      // "channels"
  std::string title;     // "In-process channels and pipelines"
  std::function<int(const TourOptions&)> run;  // returns 0 on success
};

[[nodiscard]] const std::vector<Chapter>& tour_chapters();
[[nodiscard]] int run_tour(const TourOptions& options);

// Chapters.
int tour_channels(const TourOptions& options);
int tour_transports(const TourOptions& options);
int tour_fairness(const TourOptions& options);
int tour_services(const TourOptions& options);
int tour_deadlock(const TourOptions& options);
int tour_cost_model(const TourOptions& options);
int tour_bft(const TourOptions& options);

}  // namespace missive::cli
