#include "missive/platform/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "missive/platform/process.hpp"
#include "missive/platform/system_error.hpp"

extern char** environ;

namespace missive::platform {
namespace {

// What the child reports through the pipe before it dies: the step and errno.
struct ChildFailure {
  int step = 0;
  int error = 0;
};

enum Step : int { step_exec = 1, step_limits, step_privs, step_ids, step_chdir, step_stdin, step_seccomp };

struct PreparedLimits {
  std::array<int, 4> resource{};
  std::array<rlim_t, 4> value{};
  int count = 0;
};

PreparedLimits prepare_limits(const ChildLimits& limits) {
  PreparedLimits out;
  const auto add = [&](int resource, const std::optional<std::uint64_t>& value) {
    if (!value) return;
    out.resource[static_cast<std::size_t>(out.count)] = resource;
    out.value[static_cast<std::size_t>(out.count)] = static_cast<rlim_t>(*value);
    ++out.count;
  };
  add(RLIMIT_AS, limits.address_space_bytes);
  add(RLIMIT_NOFILE, limits.open_files);
  add(RLIMIT_CPU, limits.cpu_seconds);
  add(RLIMIT_CORE, limits.core_bytes);
  return out;
}

// The merged environment: the parent's, with entries of `extra` replacing
// same-named ones.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const std::string& e : extra) {
      if (std::string_view(e).substr(0, e.find('=')) == name) replaced = true;
    }
    if (!replaced) out.emplace_back(text);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void child_fail(int report_fd, int step) noexcept {
  const ChildFailure failure{step, errno};
  // Best effort: if the parent is gone there is nobody to tell.
  [[maybe_unused]] const ssize_t n = ::write(report_fd, &failure, sizeof failure);
  ::_exit(127);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void run_child(const SpawnSpec& spec, const PreparedLimits& limits, char* const* argv,
                            char* const* envp, int report_fd) noexcept {
  if (spec.new_process_group) ::setpgid(0, 0);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) child_fail(report_fd, step_stdin);
  if (null_fd != STDIN_FILENO) ::close(null_fd);
  if (!spec.working_directory.empty() && ::chdir(spec.working_directory.c_str()) != 0) {
    child_fail(report_fd, step_chdir);
  }
  for (int i = 0; i < limits.count; ++i) {
    const rlimit value{limits.value[static_cast<std::size_t>(i)], limits.value[static_cast<std::size_t>(i)]};
    if (::setrlimit(limits.resource[static_cast<std::size_t>(i)], &value) != 0) child_fail(report_fd, step_limits);
  }
  // Drop the parent's supplementary groups (root's group 0 among them) too.
  if (spec.gid && (::setgroups(0, nullptr) != 0 || ::setgid(*spec.gid) != 0)) child_fail(report_fd, step_ids);
  if (spec.uid && ::setuid(*spec.uid) != 0) child_fail(report_fd, step_ids);
  const bool no_new_privs = spec.no_new_privs || spec.seccomp.has_value();
  if (no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, step_privs);
  if (spec.seccomp) {
    if (const int err = spec.seccomp->install(); err != 0) {
      errno = err;
      child_fail(report_fd, step_seccomp);
    }
  }
  ::execve(argv[0], argv, envp);
  child_fail(report_fd, step_exec);
}

Error failure_to_error(const ChildFailure& failure) noexcept {
  switch (failure.step) {
    case step_exec:
      if (failure.error == ENOENT) return Error{Errc::not_found, "exec failed: no such program"};
      if (failure.error == EACCES) return Error{Errc::permission_denied, "exec failed: the program is not executable"};
      return error_from_errno(failure.error, "exec failed");
    case step_limits: return error_from_errno(failure.error, "setrlimit in the child failed");
    case step_privs: return error_from_errno(failure.error, "prctl(PR_SET_NO_NEW_PRIVS) in the child failed");
    case step_ids: return Error{Errc::permission_denied, "setuid/setgid in the child failed (needs root)"};
    case step_seccomp: return error_from_errno(failure.error, "installing the seccomp filter in the child failed");
    case step_chdir: return error_from_errno(failure.error, "chdir to the working directory failed");
    default: return error_from_errno(failure.error, "redirecting the child's stdin failed");
  }
}

}  // namespace

Result<Child> spawn(const SpawnSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return Error{Errc::invalid_argument, "spawn needs a program"};
  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env = merged_environment(spec.env);
  const std::vector<char*> argv = pointers(args);
  const std::vector<char*> envp = pointers(env);
  const PreparedLimits limits = prepare_limits(spec.limits);

  std::array<int, 2> report{};
  if (::pipe2(report.data(), O_CLOEXEC) != 0) return error_from_errno(errno, "pipe2 for spawn failed");
  Fd report_read(report[0]);
  Fd report_write(report[1]);

  const pid_t pid = ::fork();
  if (pid < 0) return error_from_errno(errno, "fork failed");
  if (pid == 0) run_child(spec, limits, argv.data(), envp.data(), report_write.get());

  report_write = Fd();  // the child holds the only write end now; exec closes it
  Result<Fd> pidfd = pidfd_open(pid);  // race-free: an unreaped child's pid is not reused
  ChildFailure failure;
  ssize_t got = 0;
  do {
    got = ::read(report_read.get(), &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return failure_to_error(failure);
  }
  if (!pidfd) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return pidfd.error();
  }
  return Child{pid, std::move(*pidfd)};
}

}  // namespace missive::platform
