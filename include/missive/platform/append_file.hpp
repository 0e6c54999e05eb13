// missive/platform/append_file.hpp - AppendFile: a log file that is only appended to, durably.
//
// Used for state that must survive a crash exactly as far as it was
// acknowledged (the bft layer's vote log): append_durably() returns only after
// the bytes and the file size reached stable storage (write + fdatasync), and
// a newly created file's directory entry is synced too, so the file itself
// does not vanish after a power cut.
//
// Errors: the closest Errc for the errno (permission_denied; system_error for
// the rest, a missing directory included), with a detail naming the failed call.
//
// Thread safety: an AppendFile is a value; one thread at a time.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

class AppendFile {
 public:
  // Opens `path` for reading and appending, creating it (mode 0600) if absent.
  // The directory must exist.
  [[nodiscard]] static Result<AppendFile> open(const std::string& path);

  // The whole current content.
  [[nodiscard]] Result<std::vector<std::byte>> read_all() const;
  // Cuts the file to `size` bytes (drops a torn tail) and syncs.
  [[nodiscard]] Status truncate_durably(std::size_t size);
  // Appends `bytes` at the end and waits until they are on stable storage.
  [[nodiscard]] Status append_durably(std::span<const std::byte> bytes);

 private:
  explicit AppendFile(Fd fd) noexcept : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace missive::platform
