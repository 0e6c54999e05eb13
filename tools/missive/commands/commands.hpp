// commands.hpp - the subcommands of `missive`, one file each.
//
// Each add_*_command() registers its subcommand, options and a callback on
// the app; the callback stores the command's exit status in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace missive::cli {

void add_tour_command(CLI::App& app, int& exit_code);
void add_calibrate_command(CLI::App& app, int& exit_code);
void add_host_command(CLI::App& app, int& exit_code);
void add_call_command(CLI::App& app, int& exit_code);
void add_top_command(CLI::App& app, int& exit_code);
void add_bft_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);

}  // namespace missive::cli
