#include "missive/bft/detail/node_base.hpp"

namespace missive::bft::detail {

Status NodeBase::check_identity(const ClusterConfig& config, NodeId self, const KeyPair& keys, const VoteStore* votes) {
  if (!config.is_member(self)) return Error{Errc::invalid_argument, "node id is not a member of the cluster"};
  if (config.key_of(self) != keys.public_key()) {
    return Error{Errc::invalid_argument, "key pair does not match the member's public key"};
  }
  if (votes == nullptr) return Error{Errc::invalid_argument, "a node needs a vote store"};
  return ok();
}

Result<WireMessage> NodeBase::decode_from(NodeId from, std::span<const std::byte> bytes) const {
  if (!config_.is_member(from)) return Error{Errc::invalid_argument, "message over a link from a non-member"};
  Result<WireMessage> message = decode(bytes, config_.limits(), config_.n());
  if (!message) return message.error();
  const InstanceId& instance = instance_of(*message);
  if (instance.epoch != config_.epoch()) return Error{Errc::rejected, "message for another epoch"};
  if (!config_.is_member(instance.sender)) return Error{Errc::bad_signature, "instance sender is not a member"};
  return message;
}

Status NodeBase::check_batch(const std::vector<Bytes>& batch) const {
  const BroadcastLimits& limits = config_.limits();
  if (batch.empty()) return Error{Errc::invalid_argument, "a broadcast needs at least one message"};
  if (batch.size() > limits.max_batch_messages) {
    return Error{Errc::invalid_argument, "batch has more messages than max_batch_messages"};
  }
  std::size_t total = 0;
  for (const Bytes& m : batch) {
    if (m.size() > limits.max_message_bytes) return Error{Errc::invalid_argument, "message above max_message_bytes"};
    total += m.size();
  }
  if (total > limits.max_batch_bytes) return Error{Errc::invalid_argument, "batch above max_batch_bytes"};
  return ok();
}

void NodeBase::send(NodeId to, const std::shared_ptr<const Bytes>& bytes, Effects& out) {
  if (to == self_) {
    self_queue_.push_back(bytes);
  } else {
    out.sends.push_back(Outgoing{to, bytes});
  }
}

void NodeBase::send_to_others(const std::shared_ptr<const Bytes>& bytes, Effects& out, const std::vector<bool>* known) {
  for (NodeId peer = 0; peer < config_.n(); ++peer) {
    if (peer == self_ || (known != nullptr && (*known)[peer])) continue;
    out.sends.push_back(Outgoing{peer, bytes});
  }
}

void NodeBase::send_to_all(const std::shared_ptr<const Bytes>& bytes, Effects& out) {
  send_to_others(bytes, out);
  self_queue_.push_back(bytes);
}

}  // namespace missive::bft::detail
