#include "tour/tour.hpp"

#include <algorithm>
#include <thread>

#include <fmt/core.h>

namespace missive::cli {

const std::vector<Chapter>& tour_chapters() {
  static const std::vector<Chapter> chapters = {
      {"channels", "In-process channels and pipelines", tour_channels},
      {"transports", "Transports between processes: shm, unix, and a raw socketpair", tour_transports},
      {"fairness", "Fair queuing: equal message rates vs equal bytes", tour_fairness},
      {"services", "The service host: services by name, a crash contained and restarted", tour_services},
      {"deadlock", "Deadlock: a ring of waiting services found and broken", tour_deadlock},
      {"cost-model", "The cost model: sigma, B_k, B_cc and the crossover x* of this machine", tour_cost_model},
      {"bft", "Byzantine broadcast: four members, one equivocating, all correct ones agree", tour_bft},
  };
  return chapters;
}

namespace {

bool selected(const TourOptions& options, const Chapter& chapter) {
  return options.chapters.empty() ||
         std::find(options.chapters.begin(), options.chapters.end(), chapter.name) != options.chapters.end();
}

}  // namespace

int run_tour(const TourOptions& options) {
  fmt::print("missive tour: a run of every capability on this machine ({} hardware threads){}\n",
             std::thread::hardware_concurrency(), options.quick ? " [quick]" : "");
  int failures = 0;
  int number = 0;
  for (const auto& chapter : tour_chapters()) {
    if (!selected(options, chapter)) continue;
    fmt::print("\n== {}. {} ==\n", ++number, chapter.title);
    if (chapter.run(options) != 0) {
      ++failures;
      fmt::print("!! chapter '{}' failed\n", chapter.name);
    }
  }
  if (number == 0) {
    fmt::print(stderr, "no chapter matches; chapters are:");
    for (const auto& chapter : tour_chapters()) fmt::print(stderr, " {}", chapter.name);
    fmt::print(stderr, "\n");
    return 2;
  }
  fmt::print("\ntour finished: {} chapter(s), {} failed\n", number, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace missive::cli
