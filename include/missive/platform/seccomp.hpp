// missive/platform/seccomp.hpp - a seccomp allow-list, compiled by libseccomp.
//
//   auto filter = platform::SeccompFilter::compile({"read", "write", "futex"},
//                                                  platform::SeccompAction::errno_eperm);
//   spec.seccomp = std::move(*filter);      // spawn() installs it just before exec
//
// The filter is compiled to classic BPF in the parent (libseccomp allocates,
// which a forked child of a threaded process must not do); the child only
// calls install(), one prctl, which is async-signal-safe. The filter survives
// exec, so the list must hold what the program and its dynamic loader use.
// Every filter also allows base_syscalls() (execve, exit, exit_group,
// membarrier): without the first three the child could neither exec nor report
// a failure and die; membarrier is the heavy fence the shm rings' parking
// handshake relies on (platform/membarrier.hpp).
//
// Syscalls outside the list get the action: EPERM from the call
// (errno_eperm), or the whole process killed by SIGSYS (kill_process).
// Syscalls of another architecture (a 32-bit call from a 64-bit process)
// get the same action.
//
// Contract: compile() from any thread; a filter is immutable once compiled
// and may be shared; install() needs no_new_privs set first (or
// CAP_SYS_ADMIN) and applies to the calling thread and what it execs.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/core/result.hpp"

namespace missive::platform {

enum class SeccompAction : std::uint8_t { errno_eperm, kill_process };

class SeccompFilter {
 public:
  // Allows `allow` plus base_syscalls(); every other syscall gets `action`.
  // Errors: invalid_argument when a name is unknown (check names first with
  // is_known_syscall to say which), system_error from libseccomp.
  [[nodiscard]] static Result<SeccompFilter> compile(std::span<const std::string> allow, SeccompAction action);

  // prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) on the calling thread.
  // Returns 0 or the errno. Async-signal-safe (no allocation).
  [[nodiscard]] int install() const noexcept;

  [[nodiscard]] std::size_t instructions() const noexcept { return program_.size(); }

 private:
  std::vector<sock_filter> program_;
};

// Whether libseccomp knows `name` as a syscall of this machine's architecture.
[[nodiscard]] bool is_known_syscall(std::string_view name);

// execve, exit, exit_group and membarrier: allowed by every filter.
[[nodiscard]] std::span<const std::string_view> base_syscalls() noexcept;

}  // namespace missive::platform
