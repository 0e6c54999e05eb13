// missive/service/manifest.hpp - what `missive host` runs: services.toml.
//
//   [host]
//   address = "unix:@missive-host"        # where clients and services find the host
//
//   [[service]]
//   name = "kvd"
//   command = "/usr/lib/missive/kvd"      # relative paths: from the manifest's folder
//   args = ["--dir", "/var/lib/kvd"]
//   restart = "permanent"                  # permanent | transient | temporary
//   max_restarts = 5                       # more than this many restarts ...
//   restart_window_ms = 10000              # ... within this window: give up (state "failed")
//   backoff_ms = 10                        # first restart delay, doubling per recent restart
//   backoff_max_ms = 2000
//   fairness = "equal_messages"            # none (default) | equal_messages | equal_bytes
//   workers = 2                            # threads serving the fair queue (default 1)
//   scheduler = "wfq"                      # wfq (default) | wf2q | drr (fastest; see docs/fairness.md)
//   transport = "shm"                      # where the service listens: shm (default) | unix
//   [service.hardening]
//   no_new_privs = true
//   max_open_files = 256
//   max_address_space_mb = 2048
//   max_cpu_seconds = 3600
//   user = 65534                           # uid (and group) to run as; needs root
//   seccomp = "default"                    # allow-list: default (what a missive service
//                                          #   needs, seccomp_profile.hpp) | minimal (execve,
//                                          #   exit, exit_group only)
//   seccomp_allow = ["uname"]              # more syscalls on top (unknown names are errors)
//   seccomp_action = "errno"               # the rest: errno (EPERM, default) | kill (SIGSYS)
//
// Restart policies follow Erlang/OTP: permanent services always restart,
// transient ones only after an abnormal exit (a signal or a non-zero code),
// temporary ones never.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "missive/platform/seccomp.hpp"
#include "missive/service/call_error.hpp"

namespace missive::service {

enum class RestartPolicy : std::uint8_t { permanent, transient, temporary };
// How a service's server orders the requests of its clients:
// none: every connection is served by its own thread as requests come (no
//   cross-client ordering; a slow call delays only its own client);
// equal_messages / equal_bytes: one weighted fair queue over all clients,
//   served by `workers` threads (sched::FairQueue, docs/fairness.md).
enum class QueueFairness : std::uint8_t { none, equal_messages, equal_bytes };

// A seccomp allow-list: `allow` is the whole list (the chosen profile plus
// seccomp_allow), every name checked against libseccomp at parse time.
struct SeccompPolicy {
  std::string profile = "default";  // default | minimal
  std::vector<std::string> allow;
  platform::SeccompAction action = platform::SeccompAction::errno_eperm;
};

struct Hardening {
  bool no_new_privs = true;
  std::optional<std::uint64_t> max_open_files;
  std::optional<std::uint64_t> max_address_space_mb;
  std::optional<std::uint64_t> max_cpu_seconds;
  std::optional<uid_t> user;
  std::optional<SeccompPolicy> seccomp;  // none: no filter
};

struct ServiceSpec {
  std::string name;
  std::string command;
  std::vector<std::string> args;
  RestartPolicy restart = RestartPolicy::permanent;
  std::uint32_t max_restarts = 5;
  std::chrono::milliseconds restart_window{10000};
  std::chrono::milliseconds backoff{10};
  std::chrono::milliseconds backoff_max{2000};
  QueueFairness fairness = QueueFairness::none;
  std::uint32_t workers = 1;
  std::string scheduler = "wfq";
  std::string transport = "shm";
  Hardening hardening;
};

struct Manifest {
  std::string host_address;
  std::vector<ServiceSpec> services;
  [[nodiscard]] const ServiceSpec* find(std::string_view name) const noexcept;
};

// Parses manifest text. `base_dir` resolves relative commands. Errors name
// the problem and, for TOML syntax errors, the line.
[[nodiscard]] CallResult<Manifest> parse_manifest(std::string_view text, std::string_view base_dir = {});
[[nodiscard]] CallResult<Manifest> load_manifest(const std::string& path);

[[nodiscard]] std::string_view name(RestartPolicy policy) noexcept;
[[nodiscard]] std::string_view name(QueueFairness fairness) noexcept;

}  // namespace missive::service
