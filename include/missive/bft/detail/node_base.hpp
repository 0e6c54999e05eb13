// missive/bft/detail/node_base.hpp - what both protocol modes share.
//
// Identity and configuration, the vote store, message limits, the queue of
// messages a node sends to itself (handled before the public call returns,
// so a node is its own witness without special cases), and send helpers.
//
// Thread safety: none (see node.hpp).
#pragma once

#include <deque>
#include <memory>

#include "missive/bft/config.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/messages.hpp"
#include "missive/bft/node.hpp"
#include "missive/bft/vote_store.hpp"

namespace missive::bft::detail {

class NodeBase {
 protected:
  NodeBase(ClusterConfig config, NodeId self, KeyPair keys, std::shared_ptr<VoteStore> votes) noexcept
      : config_(std::move(config)), self_(self), keys_(std::move(keys)), votes_(std::move(votes)) {}

  // invalid_argument unless `self` is a member whose key is `keys`, and `votes` is set.
  [[nodiscard]] static Status check_identity(const ClusterConfig& config, NodeId self, const KeyPair& keys,
                                             const VoteStore* votes);

  // Decodes and checks what every message needs: a member link, this epoch,
  // a member sender. Errors as documented in node.hpp.
  [[nodiscard]] Result<WireMessage> decode_from(NodeId from, std::span<const std::byte> bytes) const;
  // invalid_argument for an empty batch or one beyond the limits.
  [[nodiscard]] Status check_batch(const std::vector<Bytes>& batch) const;

  void send(NodeId to, const std::shared_ptr<const Bytes>& bytes, Effects& out);
  // To every member but this node and those with known[peer] set (when given).
  void send_to_others(const std::shared_ptr<const Bytes>& bytes, Effects& out, const std::vector<bool>* known = nullptr);
  // To every member, this node included.
  void send_to_all(const std::shared_ptr<const Bytes>& bytes, Effects& out);

  // Handles queued self-messages until none is left; `handle` is the mode's
  // dispatcher: Status(NodeId from, span bytes, Effects&).
  template <class Handle>
  void drain_self_queue(Effects& out, Handle&& handle) {
    while (!self_queue_.empty()) {
      const std::shared_ptr<const Bytes> bytes = std::move(self_queue_.front());
      self_queue_.pop_front();
      (void)handle(self_, std::span<const std::byte>(*bytes), out);  // own messages are valid by construction
    }
  }

  static std::shared_ptr<const Bytes> share(const WireMessage& message) {
    return std::make_shared<const Bytes>(encode(message));
  }

  ClusterConfig config_;
  NodeId self_;
  KeyPair keys_;
  std::shared_ptr<VoteStore> votes_;

 private:
  std::deque<std::shared_ptr<const Bytes>> self_queue_;
};

}  // namespace missive::bft::detail
