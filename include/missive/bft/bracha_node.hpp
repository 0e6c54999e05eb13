// missive/bft/bracha_node.hpp - BrachaNode: Bracha's reliable broadcast, no signatures.
//
//   sender:  send(batch) to all
//   on send from the sender itself (the link says who):   echo(batch) to all, once per instance
//   on echo(root) from q members (q = quorum):            ready(root) to all, once
//   on ready(root) from f+1 members:                      ready(root) to all, once (amplification)
//   on ready(root) from 2f+1 members and a batch with
//     that root in hand (from the send or any echo):      deliver once
//
// Each member's first echo and first ready per instance count; a second one
// with another root is refused as equivocation. The echo is the node's vote
// and goes through the vote store like an acknowledgement. Links must
// authenticate `from` (there are no signatures to check). On tick, a node
// re-sends its send/echo/ready to peers that have not answered with `have`;
// a node announces `have` to all when it delivers, and answers any later
// message of the instance with `have`.
//
// Thread safety: none (node.hpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "missive/bft/detail/node_base.hpp"

namespace missive::bft {

class BrachaNode final : public BroadcastNode, private detail::NodeBase {
 public:
  // Errors as EchoNode::create.
  [[nodiscard]] static Result<std::unique_ptr<BrachaNode>> create(ClusterConfig config, NodeId self, KeyPair keys,
                                                                  std::shared_ptr<VoteStore> votes);

  [[nodiscard]] NodeId id() const noexcept override { return self_; }
  [[nodiscard]] Mode mode() const noexcept override { return Mode::bracha; }
  [[nodiscard]] Result<InstanceId> broadcast(std::vector<Bytes> batch, Effects& out) override;
  [[nodiscard]] Status on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override;
  void on_tick(Effects& out) override;

 private:
  struct Instance {
    std::vector<std::optional<Digest>> echo_from;   // each member's first echo
    std::vector<std::optional<Digest>> ready_from;  // each member's first ready
    std::map<Digest, std::uint32_t> echoes;
    std::map<Digest, std::uint32_t> readies;
    std::map<Digest, std::vector<Bytes>> batches;  // batches seen, by root (at most one per member)
    std::shared_ptr<const Bytes> send_bytes;      // own instances only
    std::shared_ptr<const Bytes> echo_bytes;
    std::shared_ptr<const Bytes> ready_bytes;
    std::optional<Digest> delivered;
    std::vector<bool> known_to;  // peers that answered `have`
  };

  BrachaNode(ClusterConfig config, NodeId self, KeyPair keys, std::shared_ptr<VoteStore> votes) noexcept;

  Status handle(NodeId from, std::span<const std::byte> bytes, Effects& out);
  Status on_send(NodeId from, BrachaSend&& m, Effects& out);
  Status on_echo(NodeId from, BrachaEcho&& m, Effects& out);
  Status on_ready(NodeId from, const BrachaReady& m, Effects& out);
  Status on_have(NodeId from, const Have& m);

  Instance& instance_state(const InstanceId& instance);
  // Answers `have` when the instance is already delivered; true if it was.
  bool answer_if_delivered(NodeId from, const InstanceId& instance, Effects& out);
  void send_ready(const InstanceId& instance, Instance& state, const Digest& root, Effects& out);
  void try_deliver(const InstanceId& instance, Instance& state, Effects& out);

  std::uint64_t next_sequence_ = 1;
  std::map<InstanceId, Instance> instances_;
};

}  // namespace missive::bft
