// missive/services/kv_store.hpp - KvStore: a durable key-value map on an append-only log (kvd's engine).
//
// The durability rule: put() and erase() append one record to the log and
// fdatasync() it BEFORE they return ok, and only then change the in-memory
// map. An ok therefore means "on disk": a crash (kill -9, power loss with an
// honest disk) after it cannot lose the write. A failed put/erase changes
// nothing (the log is cut back to where it was).
//
// The log (`<dir>/kv.log`), little-endian:
//
//   file   := header record*
//   header := "MSVKVLG1"                                    8 bytes
//   record := length u32 | crc32c u32 | body[length]
//   body   := op u8 (1 put, 2 erase) | key_length u32 | key[key_length] | value[rest]
//
//   0        4        8     9             13            13+k         8+length
//   +--------+--------+-----+-------------+-------------+------------+
//   | length | crc32c | op  | key_length  | key ...     | value ...  |
//   +--------+--------+-----+-------------+-------------+------------+
//            '-- crc32c of body (bytes 8 .. 8+length) --'
//
// open() replays the log into memory. It stops at the first record that is
// torn (shorter than announced) or corrupt (bad crc, bad op, lengths that do
// not fit), truncates the file there, syncs, and reports the bytes dropped in
// recovery(). With one fdatasync per acknowledged write, only the last,
// unacknowledged record can be torn by a crash; corruption further back
// means damaged media and loses the records after it (reported, not hidden).
//
// A store is opened by one process at a time (flock on `<dir>/LOCK`; a second
// open gets `rejected`). compact() rewrites the live entries to a new log,
// syncs it, renames it over the old one and syncs the directory.
//
// Thread safety: every method may be called from any thread; one mutex
// serialises them (writes are one fdatasync each; no group commit yet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::services {

struct KvLimits {
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = std::size_t{1} << 20;
  std::size_t max_scan_entries = 1024;  // scan() never returns more
};

struct KvRecovery {
  std::uint64_t records_replayed = 0;
  std::uint64_t bytes_dropped = 0;  // torn or corrupt tail cut off by open()
};

struct KvEntry {
  std::string key;
  std::string value;
  friend bool operator==(const KvEntry&, const KvEntry&) = default;
};

struct KvScan {
  std::vector<KvEntry> entries;
  bool more = false;  // further entries in the range were left out (limit reached)
};

class KvStore {
 public:
  // Opens (creating if needed) the store in `directory`, which must exist.
  // corrupted when kv.log is not a log (wrong magic); rejected when another
  // process holds the store open.
  [[nodiscard]] static Result<std::unique_ptr<KvStore>> open(std::string_view directory, const KvLimits& limits = {});

  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;
  ~KvStore();

  // invalid_argument for an empty key; too_large beyond KvLimits.
  [[nodiscard]] Status put(std::string_view key, std::string_view value);
  // not_found when the key is absent (nothing is logged then).
  [[nodiscard]] Status erase(std::string_view key);
  [[nodiscard]] Result<std::string> get(std::string_view key) const;
  // Entries with start <= key < end (end empty: no upper bound), in key
  // order, at most min(limit, max_scan_entries) (limit 0: the cap).
  [[nodiscard]] Result<KvScan> scan(std::string_view start, std::string_view end, std::size_t limit) const;

  // Rewrites the log with only the live entries (crash-safe: tmp, sync, rename, sync dir).
  [[nodiscard]] Status compact();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t log_bytes() const;
  // fdatasync calls on the log that succeeded (one per acknowledged put/erase).
  [[nodiscard]] std::uint64_t data_syncs() const;
  [[nodiscard]] const KvRecovery& recovery() const noexcept { return recovery_; }
  [[nodiscard]] const KvLimits& limits() const noexcept { return limits_; }

 private:
  KvStore(platform::Fd dir, platform::Fd lock, const KvLimits& limits);
  [[nodiscard]] Status validate(std::string_view key, std::optional<std::string_view> value) const noexcept;
  // fdatasync of the log, counted in data_syncs_. Caller holds mutex_.
  [[nodiscard]] Status sync_log();
  // Appends one record and syncs it; on failure cuts the log back. Caller holds mutex_.
  [[nodiscard]] Status append_durably(std::uint8_t op, std::string_view key, std::string_view value);

  const platform::Fd dir_;   // for fsync of the directory after creating / renaming the log
  const platform::Fd lock_;  // flock'ed for the life of the store
  const KvLimits limits_;
  KvRecovery recovery_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  platform::Fd log_;
  std::uint64_t log_end_ = 0;  // bytes of the log that hold whole, synced records
  bool broken_ = false;        // a failed write could not be undone: refuse further writes
  std::uint64_t data_syncs_ = 0;
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace missive::services
