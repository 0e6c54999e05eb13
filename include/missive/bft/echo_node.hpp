// missive/bft/echo_node.hpp - EchoNode: signed echo broadcast with certificate relay.
//
//   sender S                witness W (every member, S included)        every node N
//   --------                ------------------------------------        ------------
//   propose(batch, sig_S) ->  verify sig_S; record vote (instance, root)
//                             durably; at most one root per instance
//                        <-  ack(root, sig_W)
//   q acks for one root
//   = certificate      ->    commit(batch, certificate) ------------->  verify certificate and
//                                                                       root(batch); deliver once;
//                                                                       relay commit to peers not
//                                                                       known to have it
//
// root = Merkle root of the batch (merkle.hpp); signatures cover statements
// (statement.hpp), never wire bytes. Deduplication is by (instance, root).
// On tick: the sender re-proposes to witnesses that have not acknowledged,
// and every deliverer re-sends the commit to peers that have not confirmed
// (a duplicate commit is answered with `have`).
//
// Why agreement holds: two certificates for one instance with different
// roots need two quorums; they share at least f+1 members, at least one of
// them correct, and a correct witness signs one root per instance (its vote
// store outlives restarts). See docs/bft.md.
//
// Thread safety: none (node.hpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "missive/bft/detail/node_base.hpp"

namespace missive::bft {

class EchoNode final : public BroadcastNode, private detail::NodeBase {
 public:
  // Errors: invalid_argument when `self` is not a member, `keys` are not its
  // keys, or `votes` is null. A restarted node given its old store continues
  // its own sequence after the highest it ever voted for.
  [[nodiscard]] static Result<std::unique_ptr<EchoNode>> create(ClusterConfig config, NodeId self, KeyPair keys,
                                                                std::shared_ptr<VoteStore> votes);

  [[nodiscard]] NodeId id() const noexcept override { return self_; }
  [[nodiscard]] Mode mode() const noexcept override { return Mode::signed_echo; }
  [[nodiscard]] Result<InstanceId> broadcast(std::vector<Bytes> batch, Effects& out) override;
  [[nodiscard]] Status on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override;
  void on_tick(Effects& out) override;

  // Instances this node delivered (for tests and status displays).
  [[nodiscard]] std::size_t delivered_count() const noexcept { return delivered_.size(); }

 private:
  // One of this node's own broadcasts, before it has a certificate.
  struct Proposal {
    std::vector<Bytes> batch;
    Digest root{};
    std::shared_ptr<const Bytes> propose_bytes;
    std::vector<std::optional<Signature>> acks;  // by witness
    std::uint32_t ack_count = 0;
  };
  // An instance this node delivered.
  struct Delivered {
    Digest root{};
    std::shared_ptr<const Bytes> commit_bytes;  // for retransmission; freed once every peer has it
    std::vector<bool> known_to;  // peers that showed they have it (commit or have from them)
  };

  EchoNode(ClusterConfig config, NodeId self, KeyPair keys, std::shared_ptr<VoteStore> votes) noexcept;

  Status handle(NodeId from, std::span<const std::byte> bytes, Effects& out);
  Status on_propose(const Propose& m, Effects& out);
  Status on_ack(const Ack& m, Effects& out);
  Status on_commit(NodeId from, Commit&& m, Effects& out);
  Status on_have(NodeId from, const Have& m);

  // Signs this node's acknowledgement after its vote is recorded.
  Ack make_ack(const InstanceId& instance, const Digest& root) const;
  // Builds the certificate from exactly a quorum of acks and delivers.
  void complete(std::uint64_t sequence, Proposal& proposal, Effects& out);
  // Delivers a verified commit and relays it.
  void deliver(NodeId from, Commit&& m, const Digest& root, Effects& out);
  // `peer` has the instance; once every peer has, the commit bytes are freed.
  void mark_known(const InstanceId& instance, Delivered& d, NodeId peer);

  std::uint64_t next_sequence_ = 1;
  std::map<std::uint64_t, Proposal> proposals_;  // own, by sequence
  std::map<InstanceId, Delivered> delivered_;
  std::set<InstanceId> unconfirmed_;  // delivered, but some peer has not shown it has it
};

}  // namespace missive::bft
