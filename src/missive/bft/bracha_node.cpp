#include "missive/bft/bracha_node.hpp"

#include <algorithm>
#include <utility>

#include "missive/bft/merkle.hpp"

namespace missive::bft {

Result<std::unique_ptr<BrachaNode>> BrachaNode::create(ClusterConfig config, NodeId self, KeyPair keys,
                                                       std::shared_ptr<VoteStore> votes) {
  if (Status s = check_identity(config, self, keys, votes.get()); !s) return s.error();
  std::unique_ptr<BrachaNode> node(new BrachaNode(std::move(config), self, std::move(keys), std::move(votes)));
  return node;
}

BrachaNode::BrachaNode(ClusterConfig config, NodeId self, KeyPair keys, std::shared_ptr<VoteStore> votes) noexcept
    : NodeBase(std::move(config), self, std::move(keys), std::move(votes)) {
  next_sequence_ = votes_->highest_sequence(config_.epoch(), self_) + 1;
}

Result<InstanceId> BrachaNode::broadcast(std::vector<Bytes> batch, Effects& out) {
  if (Status s = check_batch(batch); !s) return s.error();
  const InstanceId instance{config_.epoch(), self_, next_sequence_};
  if (Status s = votes_->record(instance, merkle_root(batch)); !s) return s.error();
  ++next_sequence_;
  Instance& state = instance_state(instance);
  state.send_bytes = share(BrachaSend{instance, std::move(batch)});
  send_to_all(state.send_bytes, out);
  drain_self_queue(out, [this](NodeId from, std::span<const std::byte> bytes, Effects& effects) {
    return handle(from, bytes, effects);
  });
  return instance;
}

Status BrachaNode::on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) {
  Status status = handle(from, bytes, out);
  drain_self_queue(out, [this](NodeId self, std::span<const std::byte> own, Effects& effects) {
    return handle(self, own, effects);
  });
  return status;
}

void BrachaNode::on_tick(Effects& out) {
  for (const auto& [instance, state] : instances_) {
    for (const std::shared_ptr<const Bytes>* bytes : {&state.send_bytes, &state.echo_bytes, &state.ready_bytes}) {
      if (*bytes) send_to_others(*bytes, out, &state.known_to);
    }
  }
}

BrachaNode::Instance& BrachaNode::instance_state(const InstanceId& instance) {
  const auto [it, inserted] = instances_.try_emplace(instance);
  if (inserted) {
    it->second.echo_from.assign(config_.n(), std::nullopt);
    it->second.ready_from.assign(config_.n(), std::nullopt);
    it->second.known_to.assign(config_.n(), false);
    it->second.known_to[self_] = true;
  }
  return it->second;
}

Status BrachaNode::handle(NodeId from, std::span<const std::byte> bytes, Effects& out) {
  Result<WireMessage> message = decode_from(from, bytes);
  if (!message) return message.error();
  switch (kind_of(*message)) {
    case MessageKind::bracha_send:
      return on_send(from, std::get<BrachaSend>(std::move(*message)), out);
    case MessageKind::bracha_echo:
      return on_echo(from, std::get<BrachaEcho>(std::move(*message)), out);
    case MessageKind::bracha_ready:
      return on_ready(from, std::get<BrachaReady>(*message), out);
    case MessageKind::have:
      return on_have(from, std::get<Have>(*message));
    default:
      return Error{Errc::rejected, "signed-echo message sent to a Bracha node"};
  }
}

bool BrachaNode::answer_if_delivered(NodeId from, const InstanceId& instance, Effects& out) {
  const auto it = instances_.find(instance);
  if (it == instances_.end() || !it->second.delivered) return false;
  if (from != self_) send(from, share(Have{instance, *it->second.delivered}), out);
  return true;
}

Status BrachaNode::on_send(NodeId from, BrachaSend&& m, Effects& out) {
  if (from != m.instance.sender) return Error{Errc::rejected, "Bracha send relayed by someone else than its sender"};
  const Digest root = merkle_root(m.batch);
  if (const std::optional<Digest> prior = votes_->find(m.instance); prior && *prior != root) {
    return Error{Errc::equivocation, "sender sent another batch for this instance"};
  }
  if (answer_if_delivered(from, m.instance, out)) return ok();
  Instance& state = instance_state(m.instance);
  if (state.echo_bytes) return ok();  // echoed already
  if (Status s = votes_->record(m.instance, root); !s) return s;
  state.echo_bytes = share(BrachaEcho{m.instance, std::move(m.batch)});
  send_to_all(state.echo_bytes, out);
  return ok();
}

Status BrachaNode::on_echo(NodeId from, BrachaEcho&& m, Effects& out) {
  if (answer_if_delivered(from, m.instance, out)) return ok();
  const Digest root = merkle_root(m.batch);
  Instance& state = instance_state(m.instance);
  if (state.echo_from[from]) {
    if (*state.echo_from[from] != root) return Error{Errc::equivocation, "member echoed two batches"};
    return ok();
  }
  state.echo_from[from] = root;
  const std::uint32_t count = ++state.echoes[root];
  state.batches.try_emplace(root, std::move(m.batch));
  if (count >= config_.quorum()) send_ready(m.instance, state, root, out);
  try_deliver(m.instance, state, out);
  return ok();
}

Status BrachaNode::on_ready(NodeId from, const BrachaReady& m, Effects& out) {
  if (answer_if_delivered(from, m.instance, out)) return ok();
  Instance& state = instance_state(m.instance);
  if (state.ready_from[from]) {
    if (*state.ready_from[from] != m.digest) return Error{Errc::equivocation, "member sent ready for two roots"};
    return ok();
  }
  state.ready_from[from] = m.digest;
  const std::uint32_t count = ++state.readies[m.digest];
  if (count >= config_.f() + 1) send_ready(m.instance, state, m.digest, out);
  try_deliver(m.instance, state, out);
  return ok();
}

void BrachaNode::send_ready(const InstanceId& instance, Instance& state, const Digest& root, Effects& out) {
  if (state.ready_bytes) return;
  state.ready_bytes = share(BrachaReady{instance, root});
  send_to_all(state.ready_bytes, out);
}

void BrachaNode::try_deliver(const InstanceId& instance, Instance& state, Effects& out) {
  if (state.delivered) return;
  for (const auto& [root, count] : state.readies) {
    if (count < 2 * config_.f() + 1) continue;
    const auto batch = state.batches.find(root);
    if (batch == state.batches.end()) continue;
    state.delivered = root;
    send_to_others(share(Have{instance, root}), out, &state.known_to);  // spares them retransmitting to us
    out.deliveries.push_back(Delivery{instance, root, batch->second});
    return;
  }
}

Status BrachaNode::on_have(NodeId from, const Have& m) {
  const auto it = instances_.find(m.instance);
  if (it == instances_.end() || it->second.delivered != m.digest) return ok();
  Instance& state = it->second;
  state.known_to[from] = true;
  if (std::all_of(state.known_to.begin(), state.known_to.end(), [](bool k) { return k; })) {
    // Delivered and every peer has it: nothing will be re-sent or counted again.
    state.batches.clear();
    state.send_bytes.reset();
    state.echo_bytes.reset();
    state.ready_bytes.reset();
  }
  return ok();
}

}  // namespace missive::bft
