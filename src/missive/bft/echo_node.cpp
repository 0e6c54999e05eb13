#include "missive/bft/echo_node.hpp"

#include <algorithm>
#include <utility>

#include "missive/bft/merkle.hpp"
#include "missive/bft/statement.hpp"

namespace missive::bft {

Result<std::unique_ptr<EchoNode>> EchoNode::create(ClusterConfig config, NodeId self, KeyPair keys,
                                                   std::shared_ptr<VoteStore> votes) {
  if (Status s = check_identity(config, self, keys, votes.get()); !s) return s.error();
  std::unique_ptr<EchoNode> node(new EchoNode(std::move(config), self, std::move(keys), std::move(votes)));
  return node;
}

EchoNode::EchoNode(ClusterConfig config, NodeId self, KeyPair keys, std::shared_ptr<VoteStore> votes) noexcept
    : NodeBase(std::move(config), self, std::move(keys), std::move(votes)) {
  next_sequence_ = votes_->highest_sequence(config_.epoch(), self_) + 1;
}

Result<InstanceId> EchoNode::broadcast(std::vector<Bytes> batch, Effects& out) {
  if (Status s = check_batch(batch); !s) return s.error();
  const InstanceId instance{config_.epoch(), self_, next_sequence_};
  const Digest root = merkle_root(batch);
  // The sender's own vote, durable before anything is signed or sent.
  if (Status s = votes_->record(instance, root); !s) return s.error();
  ++next_sequence_;
  const Signature signature = keys_.sign(make_statement(Domain::propose, instance, root));
  Proposal& proposal = proposals_[instance.sequence];
  proposal.root = root;
  proposal.acks.assign(config_.n(), std::nullopt);
  proposal.propose_bytes = share(Propose{instance, batch, signature});
  proposal.batch = std::move(batch);
  send_to_all(proposal.propose_bytes, out);
  drain_self_queue(out, [this](NodeId from, std::span<const std::byte> bytes, Effects& effects) {
    return handle(from, bytes, effects);
  });
  return instance;
}

Status EchoNode::on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) {
  Status status = handle(from, bytes, out);
  drain_self_queue(out, [this](NodeId self, std::span<const std::byte> own, Effects& effects) {
    return handle(self, own, effects);
  });
  return status;
}

void EchoNode::on_tick(Effects& out) {
  for (const auto& [sequence, proposal] : proposals_) {
    for (NodeId witness = 0; witness < config_.n(); ++witness) {
      if (witness != self_ && !proposal.acks[witness]) send(witness, proposal.propose_bytes, out);
    }
  }
  for (const InstanceId& instance : unconfirmed_) {
    const Delivered& d = delivered_.at(instance);
    send_to_others(d.commit_bytes, out, &d.known_to);
  }
}

Status EchoNode::handle(NodeId from, std::span<const std::byte> bytes, Effects& out) {
  Result<WireMessage> message = decode_from(from, bytes);
  if (!message) return message.error();
  switch (kind_of(*message)) {
    case MessageKind::propose:
      return on_propose(std::get<Propose>(*message), out);
    case MessageKind::ack:
      return on_ack(std::get<Ack>(*message), out);
    case MessageKind::commit:
      return on_commit(from, std::get<Commit>(std::move(*message)), out);
    case MessageKind::have:
      return on_have(from, std::get<Have>(*message));
    default:
      return Error{Errc::rejected, "Bracha message sent to a signed-echo node"};
  }
}

Status EchoNode::on_propose(const Propose& m, Effects& out) {
  const Digest root = merkle_root(m.batch);
  const std::optional<Digest> prior = votes_->find(m.instance);
  // A retransmission of what this node already voted for needs no second
  // check: the vote was cast on a verified proposal for this very root.
  if (!prior || *prior != root) {
    const Statement statement = make_statement(Domain::propose, m.instance, root);
    if (!verify_signature(config_.key_of(m.instance.sender), statement, m.sender_signature)) {
      return Error{Errc::bad_signature, "proposal signature does not verify"};
    }
  }
  if (prior && *prior != root) return Error{Errc::equivocation, "sender proposed another batch for this instance"};
  if (!prior) {
    if (Status s = votes_->record(m.instance, root); !s) return s;
  }
  send(m.instance.sender, share(make_ack(m.instance, root)), out);
  return ok();
}

Ack EchoNode::make_ack(const InstanceId& instance, const Digest& root) const {
  return Ack{instance, root, self_, keys_.sign(make_statement(Domain::acknowledge, instance, root))};
}

Status EchoNode::on_ack(const Ack& m, Effects& out) {
  if (m.instance.sender != self_) return Error{Errc::rejected, "ack for an instance this node did not send"};
  const auto it = proposals_.find(m.instance.sequence);
  if (it == proposals_.end()) {
    if (delivered_.contains(m.instance)) return ok();  // a late ack after the certificate
    return Error{Errc::rejected, "ack for an instance this node did not send"};
  }
  Proposal& proposal = it->second;
  if (m.digest != proposal.root) return Error{Errc::rejected, "ack for a root this node did not propose"};
  if (!config_.is_member(m.witness)) return Error{Errc::bad_signature, "ack from a witness that is not a member"};
  if (proposal.acks[m.witness]) return ok();  // duplicate
  if (!verify_signature(config_.key_of(m.witness), make_statement(Domain::acknowledge, m.instance, m.digest),
                        m.signature)) {
    return Error{Errc::bad_signature, "ack signature does not verify"};
  }
  proposal.acks[m.witness] = m.signature;
  ++proposal.ack_count;
  if (proposal.ack_count >= config_.quorum()) complete(m.instance.sequence, proposal, out);
  return ok();
}

void EchoNode::complete(std::uint64_t sequence, Proposal& proposal, Effects& out) {
  Commit commit{InstanceId{config_.epoch(), self_, sequence}, proposal.root, std::move(proposal.batch), {}};
  for (NodeId witness = 0; witness < config_.n() && commit.certificate.signatures.size() < config_.quorum();
       ++witness) {
    if (proposal.acks[witness]) commit.certificate.signatures.push_back({witness, *proposal.acks[witness]});
  }
  const Digest root = proposal.root;
  proposals_.erase(sequence);
  if (delivered_.contains(commit.instance)) return;  // someone relayed a certificate first
  deliver(self_, std::move(commit), root, out);
}

Status EchoNode::on_commit(NodeId from, Commit&& m, Effects& out) {
  if (const auto it = delivered_.find(m.instance); it != delivered_.end()) {
    // Already delivered: the claimed root decides, no hashing (the batch is
    // not used; a lying duplicate can only mark its sender as having it).
    const Digest& root = it->second.root;
    if (m.digest != root) return Error{Errc::equivocation, "commit for another root than the one delivered"};
    if (from != self_) {
      send(from, share(Have{m.instance, root}), out);  // so `from` stops re-sending it
      mark_known(m.instance, it->second, from);
    }
    return ok();
  }
  if (merkle_root(m.batch) != m.digest) return Error{Errc::malformed_record, "commit batch does not match its root"};
  if (Status s = m.certificate.verify(config_, m.instance, m.digest); !s) return s;
  const Digest root = m.digest;
  deliver(from, std::move(m), root, out);
  return ok();
}

void EchoNode::deliver(NodeId from, Commit&& m, const Digest& root, Effects& out) {
  if (m.instance.sender == self_) proposals_.erase(m.instance.sequence);  // certified elsewhere: stop proposing
  Delivered& d = delivered_[m.instance];
  d.root = root;
  d.known_to.assign(config_.n(), false);
  d.known_to[self_] = true;
  d.known_to[from] = true;
  d.commit_bytes = share(m);
  if (from != self_) send(from, share(Have{m.instance, root}), out);
  send_to_others(d.commit_bytes, out, &d.known_to);
  if (!std::all_of(d.known_to.begin(), d.known_to.end(), [](bool k) { return k; })) unconfirmed_.insert(m.instance);
  out.deliveries.push_back(Delivery{m.instance, root, std::move(m.batch)});
}

Status EchoNode::on_have(NodeId from, const Have& m) {
  const auto it = delivered_.find(m.instance);
  if (it == delivered_.end() || it->second.root != m.digest) return ok();  // nothing to stop re-sending
  mark_known(m.instance, it->second, from);
  return ok();
}

void EchoNode::mark_known(const InstanceId& instance, Delivered& d, NodeId peer) {
  d.known_to[peer] = true;
  if (!std::all_of(d.known_to.begin(), d.known_to.end(), [](bool k) { return k; })) return;
  unconfirmed_.erase(instance);
  d.commit_bytes.reset();  // nobody needs it re-sent: keep only the root
}

}  // namespace missive::bft
