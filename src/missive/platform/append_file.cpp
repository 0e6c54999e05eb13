#include "missive/platform/append_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

// The directory part of `path` ("." when there is none).
std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status sync_directory(const std::string& directory) {
  const Fd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return error_from_errno(errno, "open of the log directory failed");
  if (::fsync(dir.get()) != 0) return error_from_errno(errno, "fsync of the log directory failed");
  return ok();
}

Status sync_data(int fd) {
  int rc = 0;
  do {
    rc = ::fdatasync(fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return error_from_errno(errno, "fdatasync of an append-only file failed");
  return ok();
}

}  // namespace

Result<AppendFile> AppendFile::open(const std::string& path) {
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) return error_from_errno(errno, "open of an append-only file failed");
  if (!existed) {
    if (Status s = sync_directory(directory_of(path)); !s) return s.error();
  }
  return AppendFile(std::move(fd));
}

Result<std::vector<std::byte>> AppendFile::read_all() const {
  std::vector<std::byte> content;
  std::byte chunk[4096];
  off_t offset = 0;
  for (;;) {
    const ssize_t got = ::pread(fd_.get(), chunk, sizeof chunk, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return error_from_errno(errno, "pread of an append-only file failed");
    if (got == 0) return content;
    content.insert(content.end(), chunk, chunk + got);
    offset += got;
  }
}

Status AppendFile::truncate_durably(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<off_t>::max())) {
    return Error{Errc::invalid_argument, "truncate size does not fit off_t"};
  }
  if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
    return error_from_errno(errno, "ftruncate of an append-only file failed");
  }
  return sync_data(fd_.get());
}

Status AppendFile::append_durably(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd_.get(), bytes.data(), bytes.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return error_from_errno(errno, "write to an append-only file failed");
    bytes = bytes.subspan(static_cast<std::size_t>(wrote));
  }
  return sync_data(fd_.get());
}

}  // namespace missive::platform
