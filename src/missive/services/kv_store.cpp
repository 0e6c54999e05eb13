#include "missive/services/kv_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "missive/platform/openat.hpp"
#include "missive/platform/system_error.hpp"
#include "missive/services/detail/kv_log_format.hpp"

namespace missive::services {
namespace {

using detail::KvOp;

constexpr const char* log_name = "kv.log";
constexpr const char* new_log_name = "kv.log.new";  // a log being created or compacted
constexpr const char* lock_name = "LOCK";

Status sync_data(const platform::Fd& fd) noexcept {
  int rc = 0;
  do {
    rc = ::fdatasync(fd.get());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return platform::error_from_errno(errno, "fdatasync failed");
  return ok();
}

// fsync of a directory makes the names created or renamed in it durable.
Status sync_directory(const platform::Fd& dir) noexcept {
  if (::fsync(dir.get()) != 0) return platform::error_from_errno(errno, "fsync of the store directory failed");
  return ok();
}

Status write_all_at(const platform::Fd& fd, std::span<const std::byte> bytes, std::uint64_t offset) noexcept {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd.get(), bytes.data() + written, bytes.size() - written, static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return platform::error_from_errno(errno, "pwrite to the log failed");
    written += static_cast<std::size_t>(n);
  }
  return ok();
}

Result<std::vector<std::byte>> read_whole(const platform::Fd& fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return platform::error_from_errno(errno, "fstat of the log failed");
  std::vector<std::byte> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::pread(fd.get(), bytes.data() + filled, bytes.size() - filled, static_cast<off_t>(filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return platform::error_from_errno(errno, "reading the log failed");
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  bytes.resize(filled);
  return bytes;
}

Result<platform::Fd> open_at(const platform::Fd& dir, const char* name, int flags) {
  int fd = -1;
  do {
    fd = ::openat(dir.get(), name, flags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return Error{Errc::not_found, "no such file in the store directory"};
    return platform::error_from_errno(errno, "openat in the store directory failed");
  }
  return platform::Fd(fd);
}

Result<platform::Fd> lock_store(const platform::Fd& dir) {
  auto lock = open_at(dir, lock_name, O_RDWR | O_CREAT);
  if (!lock) return lock.error();
  if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Error{Errc::rejected, "the store is open in another process"};
    return platform::error_from_errno(errno, "flock of the store failed");
  }
  return std::move(*lock);
}

// Writes `contents` to kv.log.new, syncs it, renames it to kv.log and syncs
// the directory: kv.log is always either the old file or the whole new one.
Result<platform::Fd> install_log(const platform::Fd& dir, std::span<const std::byte> contents) {
  auto file = open_at(dir, new_log_name, O_RDWR | O_CREAT | O_TRUNC);
  if (!file) return file.error();
  if (Status s = write_all_at(*file, contents, 0); !s) return s.error();
  if (Status s = sync_data(*file); !s) return s.error();
  if (::renameat(dir.get(), new_log_name, dir.get(), log_name) != 0) {
    return platform::error_from_errno(errno, "renaming the new log failed");
  }
  if (Status s = sync_directory(dir); !s) return s.error();
  return std::move(*file);
}

std::span<const std::byte> magic_bytes() noexcept {
  return {reinterpret_cast<const std::byte*>(detail::kv_log_magic.data()), detail::kv_log_magic.size()};
}

}  // namespace

KvStore::KvStore(platform::Fd dir, platform::Fd lock, const KvLimits& limits)
    : dir_(std::move(dir)), lock_(std::move(lock)), limits_(limits) {}

KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::open(std::string_view directory, const KvLimits& limits) {
  auto dir = platform::open_directory(directory);
  if (!dir) return dir.error();
  auto lock = lock_store(*dir);
  if (!lock) return lock.error();
  std::unique_ptr<KvStore> store(new KvStore(std::move(*dir), std::move(*lock), limits));

  // A kv.log.new left by a crash is an unfinished creation or compaction: kv.log is still whole.
  (void)::unlinkat(store->dir_.get(), new_log_name, 0);
  auto log = open_at(store->dir_, log_name, O_RDWR);
  if (!log && log.code() == Errc::not_found) log = install_log(store->dir_, magic_bytes());
  if (!log) return log.error();

  auto bytes = read_whole(*log);
  if (!bytes) return bytes.error();
  const std::span<const std::byte> all(*bytes);
  if (all.size() < detail::kv_log_magic.size() ||
      std::memcmp(all.data(), detail::kv_log_magic.data(), detail::kv_log_magic.size()) != 0) {
    return Error{Errc::corrupted, "kv.log does not start with the log magic; not touching it"};
  }
  std::size_t good_end = detail::kv_log_magic.size();
  while (good_end < all.size()) {
    auto record = detail::parse_kv_record(all.subspan(good_end));
    if (!record) break;  // torn or corrupt: everything from here on is dropped
    if (record->op == KvOp::put) {
      store->entries_.insert_or_assign(std::string(record->key), std::string(record->value));
    } else {
      store->entries_.erase(std::string(record->key));
    }
    ++store->recovery_.records_replayed;
    good_end += record->encoded_bytes;
  }
  if (good_end < all.size()) {
    store->recovery_.bytes_dropped = all.size() - good_end;
    if (::ftruncate(log->get(), static_cast<off_t>(good_end)) != 0) {
      return platform::error_from_errno(errno, "truncating the log's torn tail failed");
    }
    if (Status s = sync_data(*log); !s) return s.error();
  }
  store->log_ = std::move(*log);
  store->log_end_ = good_end;
  return store;
}

Status KvStore::validate(std::string_view key, std::optional<std::string_view> value) const noexcept {
  if (key.empty()) return Error{Errc::invalid_argument, "empty key"};
  if (key.size() > limits_.max_key_bytes) return Error{Errc::too_large, "key longer than KvLimits::max_key_bytes"};
  if (value && value->size() > limits_.max_value_bytes) {
    return Error{Errc::too_large, "value longer than KvLimits::max_value_bytes"};
  }
  return ok();
}

Status KvStore::append_durably(std::uint8_t op, std::string_view key, std::string_view value) {
  if (broken_) return Error{Errc::system_error, "an earlier log write failed and could not be undone"};
  const std::vector<std::byte> record = detail::encode_kv_record(static_cast<KvOp>(op), key, value);
  if (Status written = write_all_at(log_, record, log_end_); !written) {
    // Cut the log back so a half-written record cannot sit before later ones.
    if (::ftruncate(log_.get(), static_cast<off_t>(log_end_)) != 0) broken_ = true;
    return written;
  }
  if (Status synced = sync_log(); !synced) {
    // After a failed fdatasync the file's state is unknown (the kernel may
    // have dropped the dirty pages): never retry, refuse further writes.
    (void)::ftruncate(log_.get(), static_cast<off_t>(log_end_));
    broken_ = true;
    return synced;
  }
  log_end_ += record.size();
  return ok();
}

Status KvStore::sync_log() {
  Status synced = sync_data(log_);
  if (synced) ++data_syncs_;
  return synced;
}

Status KvStore::put(std::string_view key, std::string_view value) {
  if (Status valid = validate(key, value); !valid) return valid;
  std::lock_guard lock(mutex_);
  if (Status durable = append_durably(static_cast<std::uint8_t>(KvOp::put), key, value); !durable) return durable;
  entries_.insert_or_assign(std::string(key), std::string(value));
  return ok();
}

Status KvStore::erase(std::string_view key) {
  if (Status valid = validate(key, std::nullopt); !valid) return valid;
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return Error{Errc::not_found, "no such key"};
  if (Status durable = append_durably(static_cast<std::uint8_t>(KvOp::erase), key, {}); !durable) return durable;
  entries_.erase(it);
  return ok();
}

Result<std::string> KvStore::get(std::string_view key) const {
  if (Status valid = validate(key, std::nullopt); !valid) return valid.error();
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return Error{Errc::not_found, "no such key"};
  return it->second;
}

Result<KvScan> KvStore::scan(std::string_view start, std::string_view end, std::size_t limit) const {
  if (start.size() > limits_.max_key_bytes || end.size() > limits_.max_key_bytes) {
    return Error{Errc::too_large, "scan bound longer than KvLimits::max_key_bytes"};
  }
  if (!end.empty() && end < start) return Error{Errc::invalid_argument, "scan end before its start"};
  if (limit == 0 || limit > limits_.max_scan_entries) limit = limits_.max_scan_entries;
  KvScan out;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.lower_bound(start); it != entries_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (out.entries.size() == limit) {
      out.more = true;
      break;
    }
    out.entries.push_back(KvEntry{it->first, it->second});
  }
  return out;
}

Status KvStore::compact() {
  std::lock_guard lock(mutex_);
  if (broken_) return Error{Errc::system_error, "an earlier log write failed and could not be undone"};
  std::vector<std::byte> contents(magic_bytes().begin(), magic_bytes().end());
  for (const auto& [key, value] : entries_) {
    const std::vector<std::byte> record = detail::encode_kv_record(KvOp::put, key, value);
    contents.insert(contents.end(), record.begin(), record.end());
  }
  auto log = install_log(dir_, contents);
  if (!log) return log.error();
  log_ = std::move(*log);
  log_end_ = contents.size();
  return ok();
}

std::size_t KvStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t KvStore::data_syncs() const {
  std::lock_guard lock(mutex_);
  return data_syncs_;
}

std::uint64_t KvStore::log_bytes() const {
  std::lock_guard lock(mutex_);
  return log_end_;
}

}  // namespace missive::services
