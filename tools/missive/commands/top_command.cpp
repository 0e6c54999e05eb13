// `missive top`: a live view of the host's services, refreshing in place.
//
// Each frame asks the host for host.status and every running service for
// missive.stats (stats_protocol.hpp); rates are the difference between two
// frames. `--once` prints a single frame (scripts, tests).
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/core.h>

#include "commands/commands.hpp"
#include "missive/service/client.hpp"
#include "missive/service/registry_protocol.hpp"
#include "missive/service/stats_protocol.hpp"

namespace missive::cli {
namespace {

using namespace std::chrono_literals;

struct TopOptions {
  std::string host;
  int interval_ms = 1000;
  bool once = false;
  int frames = 0;  // 0: until ^C
};

struct Watched {
  std::uint64_t generation = 0;
  std::optional<service::Client> client;
  std::uint64_t last_calls = 0;
  std::uint64_t last_errors = 0;
  Clock::time_point last_time{};
  std::string last_exit;
};

std::string uptime_text(std::uint64_t ms) {
  const std::uint64_t s = ms / 1000;
  if (s < 60) return fmt::format("{}.{}s", s, (ms % 1000) / 100);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
}

class Top {
 public:
  explicit Top(TopOptions options) : options_(std::move(options)) {}

  int run() {
    for (int frame = 0; options_.frames == 0 || frame < options_.frames; ++frame) {
      std::string text = render();
      if (!options_.once) fmt::print("\x1b[H\x1b[J");  // home, clear: refresh in place
      fmt::print("{}", text);
      std::fflush(stdout);
      if (options_.once) return failed_ ? 1 : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.interval_ms));
    }
    return 0;
  }

 private:
  std::string render() {
    const Deadline deadline = Deadline::after(500ms);
    if (!host_ || host_->broken()) {
      host_.reset();
      Result<service::Client> c = service::Client::connect(options_.host, deadline);
      if (!c) {
        failed_ = true;
        return fmt::format("missive top: no host at {} ({})\n", options_.host, c.error().message());
      }
      host_.emplace(std::move(*c));
    }
    service::CallResult<service::StatusReply> status =
        host_->call<service::StatusReply>("host.status", service::StatusRequest{}, deadline);
    if (!status) {
      failed_ = true;
      return fmt::format("missive top: host.status failed: {}\n", status.error().message());
    }
    failed_ = false;
    std::string out = fmt::format("missive top - host {} (pid {}), {} services\n\n", options_.host, status->host_pid,
                                  status->services.size());
    out += fmt::format("{:<12} {:<9} {:>7} {:>4} {:>8} {:>9} {:>9} {:>7} {:>6} {:>6}  {}\n", "SERVICE", "STATE", "PID",
                       "GEN", "RESTARTS", "UPTIME", "CALLS/S", "ERR/S", "QUEUE", "CONNS", "LAST EXIT");
    for (const service::ServiceStatus& s : status->services) out += row(s);
    if (!recent_.empty()) {
      out += "\nrecent events:\n";
      for (const std::string& e : recent_) out += "  " + e + "\n";
    }
    return out;
  }

  std::string row(const service::ServiceStatus& s) {
    Watched& w = watched_[s.name];
    if (s.last_exit != w.last_exit && !s.last_exit.empty()) {
      note(fmt::format("{} exited: {} (restarts {})", s.name, s.last_exit, s.restarts));
    }
    w.last_exit = s.last_exit;
    std::string calls = "-";
    std::string errors = "-";
    std::string queue = "-";
    std::string conns = "-";
    std::string flows;
    if (s.state == "running") {
      if (w.generation != s.generation || !w.client || w.client->broken()) {
        w = Watched{s.generation, std::nullopt, 0, 0, {}, s.last_exit};
        Result<service::Client> c = service::Client::connect(s.address, Deadline::after(200ms));
        if (c) w.client.emplace(std::move(*c));
      }
      if (w.client) {
        service::CallResult<service::StatsReply> stats =
            w.client->call<service::StatsReply>(service::stats_method, service::StatsRequest{}, Deadline::after(300ms));
        if (stats) {
          const auto now = Clock::now();
          if (w.last_time != Clock::time_point{}) {
            const double seconds = std::chrono::duration<double>(now - w.last_time).count();
            calls = fmt::format("{:.0f}", static_cast<double>(stats->server.calls - w.last_calls) / seconds);
            errors = fmt::format("{:.0f}", static_cast<double>(stats->server.errors - w.last_errors) / seconds);
          }
          w.last_calls = stats->server.calls;
          w.last_errors = stats->server.errors;
          w.last_time = now;
          queue = std::to_string(stats->server.queued);
          conns = std::to_string(stats->server.open_connections);
          flows = flow_rows(stats->flows);
        }
      }
    }
    return fmt::format("{:<12} {:<9} {:>7} {:>4} {:>8} {:>9} {:>9} {:>7} {:>6} {:>6}  {}\n", s.name, s.state,
                       s.pid == 0 ? "-" : std::to_string(s.pid), s.generation, s.restarts,
                       s.state == "running" ? uptime_text(s.uptime_ms) : "-", calls, errors, queue, conns, s.last_exit) +
           flows;
  }

  // Fair-queued services: one line per client flow (messages, bytes, mean wait).
  static std::string flow_rows(const std::vector<service::FlowEntry>& flows) {
    std::string out;
    for (const service::FlowEntry& f : flows) {
      out += fmt::format("  └ client {:<5} {:>10} msgs {:>12} bytes  backlog {:>4}  mean wait {:>8.1f} us  weight {:.0f}\n",
                         f.flow, f.messages, f.bytes, f.backlog, static_cast<double>(f.mean_wait_ns) / 1000.0,
                         static_cast<double>(f.weight_milli) / 1000.0);
    }
    return out;
  }

  void note(std::string event) {
    recent_.push_back(std::move(event));
    if (recent_.size() > 8) recent_.pop_front();
  }

  TopOptions options_;
  std::optional<service::Client> host_;
  std::map<std::string, Watched> watched_;
  std::deque<std::string> recent_;
  bool failed_ = false;
};

}  // namespace

void add_top_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TopOptions>();
  auto* cmd = app.add_subcommand("top", "Live view of the host's services: state, restarts, calls/s, queues, errors");
  cmd->add_option("--host", o->host, "Host address (default: $MISSIVE_HOST or unix:@missive-host)");
  cmd->add_option("--interval-ms", o->interval_ms, "Refresh period")->check(CLI::PositiveNumber);
  cmd->add_option("--frames", o->frames, "Stop after this many frames (0: until ^C)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--once", o->once, "Print one frame and exit (non-zero when the host cannot be reached)");
  cmd->callback([o, &exit_code] {
    if (o->host.empty()) {
      const char* env = std::getenv("MISSIVE_HOST");
      o->host = env != nullptr ? env : service::default_host_address;
    }
    exit_code = Top(*o).run();
  });
}

}  // namespace missive::cli
