#include "missive/platform/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include "missive/platform/fd.hpp"
#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

// membarrier too: the shm rings' wake-up protocol is correct only if a parking
// side can issue its heavy fence (platform/membarrier.hpp); a list without it
// would turn a rare lost wake-up into a wait for the liveness poll.
constexpr std::array<std::string_view, 4> base_list{"execve", "exit", "exit_group", "membarrier"};

struct ContextDeleter {
  void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

std::uint32_t libseccomp_action(SeccompAction action) noexcept {
  return action == SeccompAction::kill_process ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
}

// libseccomp 2.5 exports BPF only to a descriptor: a memfd, read back whole.
Result<std::vector<sock_filter>> export_program(const Context& ctx) {
  Fd memfd(::memfd_create("missive-seccomp", MFD_CLOEXEC));
  if (!memfd) return error_from_errno(errno, "memfd_create for the seccomp program failed");
  if (const int rc = seccomp_export_bpf(ctx.get(), memfd.get()); rc != 0) {
    return error_from_errno(-rc, "seccomp_export_bpf failed");
  }
  struct stat info {};
  if (::fstat(memfd.get(), &info) != 0) return error_from_errno(errno, "fstat of the seccomp program failed");
  const auto bytes = static_cast<std::size_t>(info.st_size);
  if (bytes == 0 || bytes % sizeof(sock_filter) != 0 || bytes / sizeof(sock_filter) > BPF_MAXINSNS) {
    return Error{Errc::system_error, "libseccomp produced a malformed or oversized program"};
  }
  std::vector<sock_filter> program(bytes / sizeof(sock_filter));
  std::size_t done = 0;
  while (done < bytes) {
    const ssize_t got = ::pread(memfd.get(), reinterpret_cast<char*>(program.data()) + done, bytes - done,
                                static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return error_from_errno(got < 0 ? errno : EIO, "reading the seccomp program back failed");
    done += static_cast<std::size_t>(got);
  }
  return program;
}

}  // namespace

bool is_known_syscall(std::string_view name) {
  const std::string text(name);
  return seccomp_syscall_resolve_name(text.c_str()) != __NR_SCMP_ERROR;
}

std::span<const std::string_view> base_syscalls() noexcept { return base_list; }

Result<SeccompFilter> SeccompFilter::compile(std::span<const std::string> allow, SeccompAction action) {
  Context ctx(seccomp_init(libseccomp_action(action)));
  if (!ctx) return Error{Errc::system_error, "seccomp_init failed"};
  const auto add = [&](const std::string& name) -> Status {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) return Error{Errc::invalid_argument, "unknown syscall name (see is_known_syscall)"};
    if (const int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0); rc != 0 && rc != -EEXIST) {
      return error_from_errno(-rc, "seccomp_rule_add failed");
    }
    return {};
  };
  for (const std::string_view name : base_list) {
    if (Status s = add(std::string(name)); !s) return s.error();
  }
  for (const std::string& name : allow) {
    if (Status s = add(name); !s) return s.error();
  }
  Result<std::vector<sock_filter>> program = export_program(ctx);
  if (!program) return program.error();
  SeccompFilter filter;
  filter.program_ = std::move(*program);
  return filter;
}

int SeccompFilter::install() const noexcept {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program_.size());
  // The kernel copies the program; it only reads through this pointer.
  prog.filter = const_cast<sock_filter*>(program_.data());
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return errno;
  return 0;
}

}  // namespace missive::platform
