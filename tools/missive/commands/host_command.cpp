// `missive host --manifest services.toml`: run the services of a manifest
// under supervision until SIGTERM/SIGINT, printing what happens.
#include <chrono>
#include <memory>
#include <string>

#include <fmt/chrono.h>
#include <fmt/core.h>

#include "commands/commands.hpp"
#include "missive/platform/signals.hpp"
#include "missive/service/host.hpp"

namespace missive::cli {
namespace {

struct HostCommandOptions {
  std::string manifest;
  int adopt_grace_ms = 0;
};

void print_event(const service::HostEvent& event) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  fmt::print("[{:%H:%M:%S}.{:03}] {:<12} {:<10} pid {:<7} {}\n", fmt::localtime(std::chrono::system_clock::to_time_t(now)),
             ms, event.service, service::name(event.kind), event.pid, event.detail);
  std::fflush(stdout);
}

int run_host(const HostCommandOptions& options) {
  service::CallResult<service::Manifest> manifest = service::load_manifest(options.manifest);
  if (!manifest) {
    fmt::print(stderr, "missive host: {}\n", manifest.error().message());
    return 2;
  }
  if (Status s = platform::block_termination_signals(); !s) {
    fmt::print(stderr, "missive host: {}\n", s.error().message());
    return 1;
  }
  service::HostOptions host_options;
  host_options.manifest = std::move(*manifest);
  host_options.adopt_grace = std::chrono::milliseconds(options.adopt_grace_ms);
  host_options.on_event = print_event;
  const std::string address = host_options.manifest.host_address;
  service::CallResult<std::unique_ptr<service::Host>> host = service::Host::start(std::move(host_options));
  if (!host) {
    fmt::print(stderr, "missive host: cannot start at {}: {}\n", address, host.error().message());
    return 1;
  }
  fmt::print("missive host: serving at {} (pid {}); SIGTERM or ^C stops it and its services\n", address, ::getpid());
  std::fflush(stdout);
  Result<int> signal = platform::wait_termination_signal();
  fmt::print("missive host: signal {}, stopping services\n", signal ? *signal : 0);
  (*host)->stop();
  return 0;
}

}  // namespace

void add_host_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<HostCommandOptions>();
  auto* cmd = app.add_subcommand("host", "Run and supervise the services of a manifest; answer lookups by name");
  cmd->add_option("--manifest,-m", options->manifest, "services.toml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--adopt-grace-ms", options->adopt_grace_ms,
                  "After a host crash: wait this long for running services to re-register before starting them")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options, &exit_code] { exit_code = run_host(*options); });
}

}  // namespace missive::cli
