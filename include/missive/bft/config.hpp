// missive/bft/config.hpp - ClusterConfig: who the members are and how many may lie.
//
// A cluster of n members tolerates f Byzantine ones only when n >= 3f+1;
// ClusterConfig::create refuses anything else. The quorum is
//
//   q = floor((n + f) / 2) + 1        (= 2f+1 when n = 3f+1)
//
// the smallest size for which any two quorums overlap in at least f+1
// members (2q - n >= f+1), hence in at least one correct member, while
// n - f >= q correct members can still form one alone (docs/bft.md).
//
// Thread safety: an immutable value after create().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

// Bounds on what one broadcast may carry; checked by every decoder before it
// copies anything.
struct BroadcastLimits {
  std::size_t max_batch_messages = 4096;          // messages in one batch
  std::size_t max_message_bytes = 1u << 20;       // one message
  std::size_t max_batch_bytes = std::size_t{8} << 20;  // all messages of a batch together
};

class ClusterConfig {
 public:
  // Errors: invalid_argument when n < 3f+1, when n is 0 or above 2^16, when
  // two members share a key, or when a limit is 0.
  [[nodiscard]] static Result<ClusterConfig> create(std::uint64_t epoch, std::uint32_t f,
                                                    std::vector<PublicKey> members, BroadcastLimits limits = {});

  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }
  [[nodiscard]] std::uint32_t f() const noexcept { return f_; }
  [[nodiscard]] std::uint32_t n() const noexcept { return static_cast<std::uint32_t>(members_.size()); }
  [[nodiscard]] std::uint32_t quorum() const noexcept { return quorum_size(n(), f_); }
  [[nodiscard]] bool is_member(std::uint64_t id) const noexcept { return id < members_.size(); }
  // Precondition: is_member(id).
  [[nodiscard]] const PublicKey& key_of(NodeId id) const noexcept { return members_[id]; }
  [[nodiscard]] const std::vector<PublicKey>& members() const noexcept { return members_; }
  [[nodiscard]] const BroadcastLimits& limits() const noexcept { return limits_; }

  // floor((n + f) / 2) + 1; see the header comment.
  [[nodiscard]] static constexpr std::uint32_t quorum_size(std::uint32_t n, std::uint32_t f) noexcept {
    return (n + f) / 2 + 1;
  }

  static constexpr std::uint32_t max_members = 1u << 16;

 private:
  ClusterConfig() = default;
  std::uint64_t epoch_ = 0;
  std::uint32_t f_ = 0;
  std::vector<PublicKey> members_;
  BroadcastLimits limits_;
};

}  // namespace missive::bft
