// `missive tour`: see tour/tour.hpp.
#include <memory>

#include "commands/commands.hpp"
#include "tour/tour.hpp"

namespace missive::cli {

void add_tour_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TourOptions>();
  auto* cmd = app.add_subcommand("tour", "Run every capability on this machine and print what it measured");
  cmd->add_flag("--quick", options->quick, "Fewer repetitions (smoke run, a few seconds)");
  cmd->add_option("--chapter", options->chapters, "Run only these chapters (channels, transports, fairness, ...)");
  cmd->callback([options, &exit_code] { exit_code = run_tour(*options); });
}

}  // namespace missive::cli
