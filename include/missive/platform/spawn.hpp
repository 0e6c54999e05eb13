// missive/platform/spawn.hpp - starting a program as a child process, with a pidfd.
//
//   platform::SpawnSpec spec{.argv = {"/usr/bin/kvd", "--dir", "/var/kv"}};
//   spec.env.push_back("MISSIVE_HOST=unix:@missive-host");
//   auto child = platform::spawn(spec);        // child->pid, child->pidfd
//
// The child gets the parent's environment plus `env`, stdin from /dev/null,
// and the optional hardening below applied between fork and exec, in the
// order: stdin, working directory, rlimits, gid/uid, no_new_privs, seccomp (so a
// failure there is reported by the child's exit status 127, never silently
// skipped: the parent learns of exec and hardening failures through a
// close-on-exec pipe, and spawn() returns the error).
//
// Contract: call from any thread; the child runs only async-signal-safe code
// before exec (every string is prepared before fork).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/seccomp.hpp"

namespace missive::platform {

// Resource limits applied in the child (setrlimit, soft = hard).
struct ChildLimits {
  std::optional<std::uint64_t> address_space_bytes{};  // RLIMIT_AS
  std::optional<std::uint64_t> open_files{};          // RLIMIT_NOFILE
  std::optional<std::uint64_t> cpu_seconds{};         // RLIMIT_CPU
  std::optional<std::uint64_t> core_bytes{};          // RLIMIT_CORE
};

struct SpawnSpec {
  std::vector<std::string> argv{};        // argv[0] is the program (a path; PATH is not searched)
  std::vector<std::string> env{};        // "NAME=value" entries added to the parent's environment
  std::string working_directory{};       // empty: the parent's
  bool no_new_privs = false;            // prctl(PR_SET_NO_NEW_PRIVS)
  ChildLimits limits{};
  std::optional<uid_t> uid{};            // setgid/setuid before exec (needs root)
  std::optional<gid_t> gid{};
  bool new_process_group = true;        // setpgid(0, 0): a terminal's ^C goes to the parent only
  // Installed last, after the uid switch and just before exec (so the
  // filter must allow execve and what the program's loader needs); implies
  // no_new_privs.
  std::optional<SeccompFilter> seccomp{};
};

struct Child {
  pid_t pid = 0;
  Fd pidfd{};  // readable once the child exits; wait_child() reaps it
};

// Forks and execs. Errors: invalid_argument (empty argv), not_found (no such
// program), permission_denied (not executable, or setuid refused), system
// errors. On error no child is left behind (a child that failed before exec
// has been reaped).
[[nodiscard]] Result<Child> spawn(const SpawnSpec& spec);

}  // namespace missive::platform
