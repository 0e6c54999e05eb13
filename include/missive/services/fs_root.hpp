// missive/services/fs_root.hpp - FsRoot: one directory, served read-only (the engine of fsd).
//
// Every path a client sends passes two checks:
//   1. as text, by validate_path(): not empty, not absolute, no ".." component,
//      no NUL byte, at most FsLimits::max_path_bytes;
//   2. by the kernel: the file is opened only through platform::open_beneath()
//      (openat2 with RESOLVE_BENEATH), so a symlink whose target lies outside the
//      root is refused even though the text looked harmless.
// Symlinks that stay inside the root are followed. "." names the root itself.
// Only regular files can be read and only directories listed; anything else
// (FIFOs, sockets, devices) is refused without being read.
//
// Errors: invalid_argument / permission_denied for a path refused by the text
// check (detail says which rule), the codes of open_beneath() for the kernel's
// refusals, not_found, and system_error for I/O failures.
//
// Thread safety: an FsRoot is immutable after open(); its const methods may
// be called from any number of threads at once. An FsHandleTable belongs to
// one client and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::services {

struct FsLimits {
  std::size_t max_path_bytes = 1024;        // longer paths are refused as text
  std::uint64_t max_read_bytes = 1u << 20;  // one read never returns more than this
  std::size_t max_open_handles = 64;        // per client (FsHandleTable)
  std::size_t max_list_entries = 4096;      // list() stops here and says it was truncated
};

enum class FileKind : std::uint8_t { regular = 1, directory = 2, symlink = 3, other = 4 };

struct FileInfo {
  FileKind kind = FileKind::other;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;      // modification time, ns since the Unix epoch
  std::uint32_t permissions = 0;  // the mode's permission bits (07777)
};

struct DirEntry {
  std::string name;
  FileKind kind = FileKind::other;  // a symlink is reported as such, not followed
};

struct DirListing {
  std::vector<DirEntry> entries;  // sorted by name; "." and ".." left out
  bool truncated = false;         // more than FsLimits::max_list_entries
};

// The text check alone (rule 1 above). ok or an error whose detail names the rule.
[[nodiscard]] Status validate_path(std::string_view path, const FsLimits& limits) noexcept;

class FsRoot {
 public:
  // Opens `directory` as the root. not_found / invalid_argument when it is not a directory.
  [[nodiscard]] static Result<FsRoot> open(std::string_view directory, const FsLimits& limits = {});

  [[nodiscard]] const FsLimits& limits() const noexcept { return limits_; }

  // What the path names, after following in-root symlinks.
  [[nodiscard]] Result<FileInfo> stat(std::string_view path) const;
  // The entries of a directory.
  [[nodiscard]] Result<DirListing> list(std::string_view path) const;
  // Up to `length` bytes from `offset` (length 0 or above the cap: the cap).
  // Fewer bytes at the end of the file; none at or past it.
  [[nodiscard]] Result<std::vector<std::byte>> read(std::string_view path, std::uint64_t offset,
                                                    std::uint64_t length) const;
  // A regular file, opened for reading (both checks applied).
  [[nodiscard]] Result<platform::Fd> open_file(std::string_view path) const;

  // What an open file is now (fstat).
  [[nodiscard]] Result<FileInfo> stat_open(const platform::Fd& file) const;
  // Reads from an open regular file, with the same cap as read().
  [[nodiscard]] Result<std::vector<std::byte>> read_open(const platform::Fd& file, std::uint64_t offset,
                                                         std::uint64_t length) const;

 private:
  FsRoot(platform::Fd root, const FsLimits& limits) noexcept : root_(std::move(root)), limits_(limits) {}
  [[nodiscard]] Result<platform::Fd> open_checked(std::string_view path, bool directory) const;

  platform::Fd root_;
  FsLimits limits_;
};

// One client's open files: small integer handles, never shared between
// clients, at most FsLimits::max_open_handles at a time. Handles are not
// reused while the table lives, so a stale handle fails instead of reading
// another file.
class FsHandleTable {
 public:
  explicit FsHandleTable(const FsRoot& root) noexcept : root_(&root) {}

  // rejected when the table is full.
  [[nodiscard]] Result<std::uint64_t> open(std::string_view path);
  // not_found for a handle this table did not hand out (or already closed).
  [[nodiscard]] Result<std::vector<std::byte>> read(std::uint64_t handle, std::uint64_t offset,
                                                    std::uint64_t length) const;
  [[nodiscard]] Result<FileInfo> stat(std::uint64_t handle) const;
  [[nodiscard]] Status close(std::uint64_t handle);
  [[nodiscard]] std::size_t open_count() const noexcept { return files_.size(); }

 private:
  struct OpenFile {
    std::uint64_t handle = 0;
    platform::Fd fd;
  };
  [[nodiscard]] const OpenFile* find(std::uint64_t handle) const noexcept;

  const FsRoot* root_;
  std::vector<OpenFile> files_;  // small: a linear search beats a map
  std::uint64_t next_handle_ = 1;
};

}  // namespace missive::services
