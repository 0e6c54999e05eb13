// missive - the command-line tool. Each subcommand lives in commands/.
#include <CLI/CLI.hpp>

#include "commands/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"missive: message passing from threads to processes to hostile networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "missive 0.1.0");

  int exit_code = 0;
  missive::cli::add_tour_command(app, exit_code);
  missive::cli::add_calibrate_command(app, exit_code);
  missive::cli::add_host_command(app, exit_code);
  missive::cli::add_call_command(app, exit_code);
  missive::cli::add_top_command(app, exit_code);
  missive::cli::add_bft_command(app, exit_code);
  missive::cli::add_bench_command(app, exit_code);

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
