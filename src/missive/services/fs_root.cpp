#include "missive/services/fs_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "missive/platform/openat.hpp"
#include "missive/platform/system_error.hpp"

namespace missive::services {
namespace {

FileKind kind_from_mode(mode_t mode) noexcept {
  if (S_ISREG(mode)) return FileKind::regular;
  if (S_ISDIR(mode)) return FileKind::directory;
  if (S_ISLNK(mode)) return FileKind::symlink;
  return FileKind::other;
}

FileKind kind_from_dirent_type(unsigned char type) noexcept {
  switch (type) {
    case DT_REG:
      return FileKind::regular;
    case DT_DIR:
      return FileKind::directory;
    case DT_LNK:
      return FileKind::symlink;
    default:
      return FileKind::other;
  }
}

Result<struct stat> fstat_fd(const platform::Fd& fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return platform::error_from_errno(errno, "fstat failed");
  return st;
}

FileInfo info_from_stat(const struct stat& st) noexcept {
  FileInfo info;
  info.kind = kind_from_mode(st.st_mode);
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  info.permissions = static_cast<std::uint32_t>(st.st_mode & 07777);
  return info;
}

bool has_dotdot_component(std::string_view path) noexcept {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

// Fills `out` with up to `length` bytes from `offset` (pread until done, EOF or error).
Status pread_fully(int fd, std::uint64_t offset, std::vector<std::byte>& out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + filled, out.size() - filled, static_cast<off_t>(offset + filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return platform::error_from_errno(errno, "pread failed");
    if (n == 0) break;  // the file shrank since fstat: return what there is
    filled += static_cast<std::size_t>(n);
  }
  out.resize(filled);
  return ok();
}

}  // namespace

Status validate_path(std::string_view path, const FsLimits& limits) noexcept {
  if (path.empty()) return Error{Errc::invalid_argument, "empty path (use \".\" for the root)"};
  if (path.size() > limits.max_path_bytes) return Error{Errc::invalid_argument, "path longer than the limit"};
  if (path.find('\0') != std::string_view::npos) return Error{Errc::invalid_argument, "path contains a NUL byte"};
  if (path.front() == '/') return Error{Errc::permission_denied, "absolute paths are refused"};
  if (has_dotdot_component(path)) return Error{Errc::permission_denied, "\"..\" components are refused"};
  return ok();
}

Result<FsRoot> FsRoot::open(std::string_view directory, const FsLimits& limits) {
  auto root = platform::open_directory(directory);
  if (!root) return root.error();
  return FsRoot(std::move(*root), limits);
}

Result<platform::Fd> FsRoot::open_checked(std::string_view path, bool directory) const {
  if (Status valid = validate_path(path, limits_); !valid) return valid.error();
  return platform::open_beneath(root_, path, directory ? platform::OpenTarget::directory : platform::OpenTarget::any);
}

Result<FileInfo> FsRoot::stat(std::string_view path) const {
  auto fd = open_checked(path, false);
  if (!fd) return fd.error();
  auto st = fstat_fd(*fd);
  if (!st) return st.error();
  return info_from_stat(*st);
}

Result<DirListing> FsRoot::list(std::string_view path) const {
  auto fd = open_checked(path, true);
  if (!fd) return fd.error();
  DIR* dir = ::fdopendir(fd->get());
  if (dir == nullptr) return platform::error_from_errno(errno, "fdopendir failed");
  (void)fd->release();  // the DIR owns the descriptor now; closedir() closes it

  DirListing listing;
  errno = 0;
  // readdir is safe for one stream per thread (glibc); this DIR is local.
  while (const dirent* entry = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    if (listing.entries.size() == limits_.max_list_entries) {
      listing.truncated = true;
      break;
    }
    FileKind kind = kind_from_dirent_type(entry->d_type);
    if (entry->d_type == DT_UNKNOWN) {  // some file systems do not fill d_type
      struct stat st {};
      if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) kind = kind_from_mode(st.st_mode);
    }
    listing.entries.push_back(DirEntry{std::string(name), kind});
  }
  const int read_error = errno;
  ::closedir(dir);
  if (read_error != 0) return platform::error_from_errno(read_error, "readdir failed");
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return listing;
}

Result<platform::Fd> FsRoot::open_file(std::string_view path) const {
  auto fd = open_checked(path, false);
  if (!fd) return fd.error();
  auto st = fstat_fd(*fd);
  if (!st) return st.error();
  if (!S_ISREG(st->st_mode)) return Error{Errc::invalid_argument, "not a regular file"};
  return std::move(*fd);
}

Result<std::vector<std::byte>> FsRoot::read(std::string_view path, std::uint64_t offset, std::uint64_t length) const {
  auto fd = open_file(path);
  if (!fd) return fd.error();
  return read_open(*fd, offset, length);
}

Result<FileInfo> FsRoot::stat_open(const platform::Fd& file) const {
  auto st = fstat_fd(file);
  if (!st) return st.error();
  return info_from_stat(*st);
}

Result<std::vector<std::byte>> FsRoot::read_open(const platform::Fd& file, std::uint64_t offset,
                                                 std::uint64_t length) const {
  auto st = fstat_fd(file);
  if (!st) return st.error();
  const auto size = static_cast<std::uint64_t>(st->st_size);
  if (length == 0 || length > limits_.max_read_bytes) length = limits_.max_read_bytes;
  const std::uint64_t available = offset < size ? size - offset : 0;
  std::vector<std::byte> data(static_cast<std::size_t>(std::min(length, available)));
  if (Status done = pread_fully(file.get(), offset, data); !done) return done.error();
  return data;
}

const FsHandleTable::OpenFile* FsHandleTable::find(std::uint64_t handle) const noexcept {
  for (const OpenFile& file : files_) {
    if (file.handle == handle) return &file;
  }
  return nullptr;
}

Result<std::uint64_t> FsHandleTable::open(std::string_view path) {
  if (files_.size() >= root_->limits().max_open_handles) {
    return Error{Errc::rejected, "too many open files for this client (FsLimits::max_open_handles)"};
  }
  auto fd = root_->open_file(path);
  if (!fd) return fd.error();
  const std::uint64_t handle = next_handle_++;
  files_.push_back(OpenFile{handle, std::move(*fd)});
  return handle;
}

Result<std::vector<std::byte>> FsHandleTable::read(std::uint64_t handle, std::uint64_t offset,
                                                   std::uint64_t length) const {
  const OpenFile* file = find(handle);
  if (file == nullptr) return Error{Errc::not_found, "no such open file handle"};
  return root_->read_open(file->fd, offset, length);
}

Result<FileInfo> FsHandleTable::stat(std::uint64_t handle) const {
  const OpenFile* file = find(handle);
  if (file == nullptr) return Error{Errc::not_found, "no such open file handle"};
  return root_->stat_open(file->fd);
}

Status FsHandleTable::close(std::uint64_t handle) {
  const auto it = std::find_if(files_.begin(), files_.end(), [&](const OpenFile& f) { return f.handle == handle; });
  if (it == files_.end()) return Error{Errc::not_found, "no such open file handle"};
  files_.erase(it);
  return ok();
}

}  // namespace missive::services
