// missive/bft/vote_store.hpp - where a witness remembers what it voted for.
//
// A correct witness acknowledges at most one digest per instance, ever, even
// across restarts. So the vote is recorded (durably, for FileVoteStore)
// BEFORE the acknowledgement is signed; record() of a second, different
// digest for one instance fails with Errc::equivocation and changes nothing.
//
// The same store also remembers the node's own highest sequence per epoch,
// since a sender votes for its own proposals: a restarted sender continues
// after it instead of reusing a sequence with another payload.
//
// Implementations:
//   MemoryVoteStore  a map; a simulated restart either hands the same store
//                    to the new node (remembers) or a fresh one (amnesia, a
//                    Byzantine fault).
//   FileVoteStore    an append-only log `votes.log` in a directory; each
//                    entry is written and fdatasync'ed before record()
//                    returns, and reloaded by open().
//
// Thread safety: none; a store belongs to one node, which is single-threaded.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/append_file.hpp"

namespace missive::bft {

class VoteStore {
 public:
  virtual ~VoteStore() = default;

  // The digest this node voted for in `instance`, if any.
  [[nodiscard]] virtual std::optional<Digest> find(const InstanceId& instance) const = 0;
  // Records a vote; returns only once it would survive a restart. Recording
  // the same digest again is ok; another digest is Errc::equivocation.
  [[nodiscard]] virtual Status record(const InstanceId& instance, const Digest& digest) = 0;
  // The highest sequence voted for from `sender` in `epoch` (0 if none).
  [[nodiscard]] virtual std::uint64_t highest_sequence(std::uint64_t epoch, NodeId sender) const = 0;
};

class MemoryVoteStore final : public VoteStore {
 public:
  [[nodiscard]] std::optional<Digest> find(const InstanceId& instance) const override;
  [[nodiscard]] Status record(const InstanceId& instance, const Digest& digest) override;
  [[nodiscard]] std::uint64_t highest_sequence(std::uint64_t epoch, NodeId sender) const override;
  [[nodiscard]] std::size_t size() const noexcept { return votes_.size(); }

 private:
  std::map<InstanceId, Digest> votes_;
};

// Log entry, 56 bytes, little-endian:
//   epoch u64 | sender u32 | sequence u64 | digest [32] | crc32c u32 of the 52 bytes before
class FileVoteStore final : public VoteStore {
 public:
  static constexpr std::size_t entry_size = 56;
  static constexpr const char* file_name = "votes.log";

  // After a failed append every later record() fails too (the log may end
  // in a torn entry that only a restart, through open(), cuts off).
  //
  // Opens (or creates) `directory`/votes.log and loads every vote in it. A
  // torn last entry (a crash mid-append) is cut off; a damaged entry before
  // the last, or two digests for one instance, is Errc::corrupted: the node
  // cannot know what it voted and must not start.
  [[nodiscard]] static Result<std::unique_ptr<FileVoteStore>> open(const std::string& directory);

  [[nodiscard]] std::optional<Digest> find(const InstanceId& instance) const override;
  [[nodiscard]] Status record(const InstanceId& instance, const Digest& digest) override;
  [[nodiscard]] std::uint64_t highest_sequence(std::uint64_t epoch, NodeId sender) const override;

 private:
  explicit FileVoteStore(platform::AppendFile file) noexcept : file_(std::move(file)) {}
  Status load();

  platform::AppendFile file_;
  MemoryVoteStore memory_;
  bool failed_ = false;  // an append failed: the log may end torn, refuse further votes
};

}  // namespace missive::bft
