#include "missive/platform/openat.hpp"

#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

// A NUL-terminated copy of `path`, as the kernel wants it.
using PathBuffer = std::array<char, PATH_MAX>;

Status copy_path(std::string_view path, PathBuffer& out) noexcept {
  if (path.empty()) return Error{Errc::invalid_argument, "empty path"};
  if (path.size() >= out.size()) return Error{Errc::invalid_argument, "path longer than PATH_MAX"};
  if (path.find('\0') != std::string_view::npos) return Error{Errc::invalid_argument, "path contains a NUL byte"};
  std::memcpy(out.data(), path.data(), path.size());
  out[path.size()] = '\0';
  return ok();
}

Error error_from_openat2(int err) noexcept {
  switch (err) {
    case ENOENT:
      return {Errc::not_found, "no such file beneath the root"};
    case EXDEV:
      return {Errc::permission_denied, "path escapes the root (refused by openat2 RESOLVE_BENEATH)"};
    case ELOOP:
      return {Errc::permission_denied, "symlink refused (a magic link, a loop, or a final symlink with O_NOFOLLOW)"};
    case ENOTDIR:
      return {Errc::invalid_argument, "a path component is not a directory"};
    case ENAMETOOLONG:
      return {Errc::invalid_argument, "path or a component too long"};
    case ENOSYS:
      return {Errc::system_error, "openat2 not supported (Linux >= 5.6)"};
    default:
      return error_from_errno(err, "openat2 failed");
  }
}

long openat2_syscall(int dirfd, const char* path, open_how* how) noexcept {
  return ::syscall(SYS_openat2, dirfd, path, how, sizeof(open_how));
}

}  // namespace

Result<Fd> open_beneath(const Fd& root, std::string_view path, OpenTarget target, FinalSymlink final_symlink) {
  PathBuffer buffer{};
  if (Status copied = copy_path(path, buffer); !copied) return copied.error();

  open_how how{};
  std::uint64_t flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  if (target == OpenTarget::directory) flags |= O_DIRECTORY;
  if (final_symlink == FinalSymlink::refuse) flags |= O_NOFOLLOW;
  how.flags = flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

  long fd = -1;
  do {
    fd = openat2_syscall(root.get(), buffer.data(), &how);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return error_from_openat2(errno);
  return Fd(static_cast<int>(fd));
}

Result<Fd> open_directory(std::string_view path) {
  PathBuffer buffer{};
  if (Status copied = copy_path(path, buffer); !copied) return copied.error();
  int fd = -1;
  do {
    fd = ::open(buffer.data(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return Error{Errc::not_found, "no such directory"};
    if (errno == ENOTDIR) return Error{Errc::invalid_argument, "not a directory"};
    return error_from_errno(errno, "open(O_DIRECTORY) failed");
  }
  return Fd(fd);
}

}  // namespace missive::platform
