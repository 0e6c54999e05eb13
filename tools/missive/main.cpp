// missive - the command-line tool: tour, and (as capabilities land) calibrate,
// bench, host, call, top and bft.
#include <CLI/CLI.hpp>

#include "tour/tour.hpp"

int main(int argc, char** argv) {
  CLI::App app{"missive: message passing from threads to processes to hostile networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "missive 0.1.0");

  missive::cli::TourOptions tour;
  auto* tour_cmd = app.add_subcommand("tour", "Run every capability on this machine and print what it measured");
  tour_cmd->add_flag("--quick", tour.quick, "Fewer repetitions (smoke run, a few seconds)");
  tour_cmd->add_option("--chapter", tour.chapters, "Run only these chapters (channels, transports, fairness)");

  CLI11_PARSE(app, argc, argv);
  if (tour_cmd->parsed()) return missive::cli::run_tour(tour);
  return 0;
}
