// missive/platform/openat.hpp - opening files beneath a root directory (openat2).
//
// open_beneath() is the one place where missive resolves an untrusted path.
// It calls openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so the
// KERNEL refuses every resolution that would leave `root`: an absolute path,
// a ".." that climbs above it, and a symlink (anywhere in the path) whose
// target lies outside it. Symlinks that stay inside the root are followed.
// Callers still check paths as text first (see services/fs_root.hpp); this is
// the second, authoritative line.
//
// Every descriptor is opened O_RDONLY | O_CLOEXEC | O_NONBLOCK (a FIFO planted
// in the tree can then not block the opener; O_NONBLOCK has no effect on
// regular files and directories). What may be opened is chosen by OpenTarget.
//
// Errors (detail names the cause):
//   not_found          no such file (ENOENT)
//   permission_denied  the path escapes the root (EXDEV), a symlink was refused
//                      (ELOOP: magic link, symlink loop, or a final symlink with
//                      FinalSymlink::refuse), or the kernel's EACCES / EPERM
//   invalid_argument   a component is not a directory (ENOTDIR), the path is too
//                      long (ENAMETOOLONG), or holds a NUL byte
//   system_error       openat2 is missing (ENOSYS: Linux < 5.6) or another failure
//
// Thread safety: free functions; `root` may be shared by any number of threads.
#pragma once

#include <string_view>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

enum class OpenTarget {
  any,        // a file or a directory
  directory,  // O_DIRECTORY: ENOTDIR unless the path names a directory
};

enum class FinalSymlink {
  follow,  // a symlink as the last component is followed (still beneath the root)
  refuse,  // O_NOFOLLOW: a symlink as the last component is refused (ELOOP)
};

// Opens `path` (relative, at most PATH_MAX - 1 bytes, no NUL byte) beneath
// the directory `root`, read-only. "" is refused; "." opens the root itself.
[[nodiscard]] Result<Fd> open_beneath(const Fd& root, std::string_view path, OpenTarget target = OpenTarget::any,
                                      FinalSymlink final_symlink = FinalSymlink::follow);

// Opens `path` (any path the process may name) as a directory, read-only,
// close-on-exec: the root that open_beneath() then confines lookups to.
[[nodiscard]] Result<Fd> open_directory(std::string_view path);

}  // namespace missive::platform
