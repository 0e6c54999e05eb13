#include "missive/service/seccomp_profile.hpp"

#include <array>

namespace missive::service {
namespace {

// Grouped by what needs them. Traced (strace -ff) from echod, fsd and kvd
// under the host during `missive tour --chapter services` and the host and
// fault-injection tests, then completed with the close relatives of what was
// seen (write beside writev, clone beside clone3: glibc falls back to clone
// only on ENOSYS, not on EPERM) and what the AddressSanitizer runtime uses
// (open, wait4). LeakSanitizer's exit-time check needs ptrace, which stays
// out: under ASan set LSAN_OPTIONS=detect_leaks=0 for filtered services.
// Left out on purpose: process and system administration (ptrace, mount,
// setuid, bpf, kexec, ...), uname and getcpu (the tests' probes use getcpu).
constexpr std::array<std::string_view, 94> default_list{
    // The dynamic loader and libc start-up.
    "arch_prctl", "brk", "mmap", "mprotect", "munmap", "madvise", "mremap", "access", "readlink", "readlinkat",
    "prlimit64", "getrlimit", "set_tid_address", "set_robust_list", "rseq", "getrandom", "sysinfo",
    // Threads and their synchronisation (futex, membarrier for the shm rings).
    "clone", "clone3", "futex", "membarrier", "sched_yield", "sched_getaffinity", "gettid", "getpid", "getppid",
    "prctl", "sigaltstack",
    // Signals: abort(), the runtime's termination handling, restarts.
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "restart_syscall", "kill", "tgkill", "wait4",
    // Time.
    "clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
    // Identity queries (no changes).
    "getuid", "geteuid", "getgid", "getegid", "getgroups",
    // Descriptors and files (fsd reads a tree beneath its root, kvd appends
    // to a log and compacts it).
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "dup", "dup2", "dup3", "fcntl",
    "ioctl", "open", "openat", "openat2", "newfstatat", "fstat", "statx", "getdents64", "ftruncate", "fallocate", "fsync",
    "fdatasync", "flock", "renameat", "renameat2", "unlinkat", "mkdirat", "pipe2", "eventfd2",
    // Shared memory: memfd rings and their seals.
    "memfd_create",
    // Unix sockets, SCM_RIGHTS and peer credentials.
    "socket", "socketpair", "bind", "listen", "accept4", "connect", "shutdown", "sendmsg", "recvmsg", "sendto",
    "recvfrom", "getsockopt", "setsockopt", "getsockname", "getpeername",
    // Waiting on descriptors.
    "poll", "ppoll",
};

}  // namespace

std::span<const std::string_view> default_service_syscalls() noexcept { return default_list; }

}  // namespace missive::service
