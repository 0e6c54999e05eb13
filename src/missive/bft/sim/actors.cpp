// Byzantine behaviours for the simulator (sim/detail/actors.hpp).
#include "missive/bft/sim/detail/actors.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/echo_node.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/messages.hpp"
#include "missive/bft/statement.hpp"

namespace missive::bft::sim::detail {

std::unique_ptr<BroadcastNode> make_honest_node(Mode mode, const ClusterConfig& config, NodeId self,
                                                const Seed& key_seed, std::shared_ptr<VoteStore> votes) {
  if (!votes) votes = std::make_shared<MemoryVoteStore>();
  Result<KeyPair> keys = KeyPair::from_seed(key_seed);
  if (!keys) return nullptr;
  if (mode == Mode::signed_echo) {
    Result<std::unique_ptr<EchoNode>> node = EchoNode::create(config, self, *std::move(keys), std::move(votes));
    return node ? std::unique_ptr<BroadcastNode>(*std::move(node)) : nullptr;
  }
  Result<std::unique_ptr<BrachaNode>> node = BrachaNode::create(config, self, *std::move(keys), std::move(votes));
  return node ? std::unique_ptr<BroadcastNode>(*std::move(node)) : nullptr;
}

namespace {

// What every behaviour shares: identity, an honest node as cover, helpers.
class Base : public Actor {
 public:
  explicit Base(ActorSetup setup)
      : config_(std::move(setup.config)),
        self_(setup.self),
        seed_(setup.key_seed),
        mode_(setup.mode),
        rng_(setup.rng),
        keys_(*KeyPair::from_seed(seed_)),
        inner_(make_honest_node(mode_, config_, self_, seed_)) {}

  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override { pass(from, bytes, out); }
  void on_tick(Effects& out) override { inner_->on_tick(out); }
  void on_turn(std::vector<Bytes> batch, Effects& out) override { (void)inner_->broadcast(std::move(batch), out); }

 protected:
  void pass(NodeId from, std::span<const std::byte> bytes, Effects& out) {
    (void)inner_->on_message(from, bytes, out);
  }
  void emit(NodeId to, const WireMessage& message, Effects& out) {
    out.sends.push_back(Outgoing{to, std::make_shared<const Bytes>(encode(message))});
  }
  void emit_to_others(const WireMessage& message, Effects& out) {
    const auto bytes = std::make_shared<const Bytes>(encode(message));
    for (NodeId peer = 0; peer < config_.n(); ++peer) {
      if (peer != self_) out.sends.push_back(Outgoing{peer, bytes});
    }
  }
  std::optional<WireMessage> peek(std::span<const std::byte> bytes) const {
    Result<WireMessage> m = decode(bytes, config_.limits(), config_.n());
    if (!m) return std::nullopt;
    return *std::move(m);
  }
  Signature sign(Domain domain, const InstanceId& instance, const Digest& root) const {
    return keys_.sign(make_statement(domain, instance, root));
  }
  InstanceId next_own_instance() { return InstanceId{config_.epoch(), self_, ++own_sequence_}; }
  NodeId random_peer() {
    NodeId peer = self_;
    while (peer == self_) peer = static_cast<NodeId>(rng_.below(config_.n()));
    return peer;
  }
  NodeId random_other_than(NodeId a) {
    NodeId peer = a;
    while (peer == a || peer == self_) peer = static_cast<NodeId>(rng_.below(config_.n()));
    return peer;
  }
  std::vector<NodeId> shuffled_peers() {
    std::vector<NodeId> peers;
    for (NodeId p = 0; p < config_.n(); ++p) {
      if (p != self_) peers.push_back(p);
    }
    for (std::size_t i = peers.size(); i > 1; --i) std::swap(peers[i - 1], peers[rng_.below(i)]);
    return peers;
  }
  Signature random_signature() {
    Signature s{};
    for (std::byte& b : s) b = static_cast<std::byte>(rng_.next());
    return s;
  }
  std::vector<Bytes> random_batch() {
    std::vector<Bytes> batch(1 + rng_.below(2));
    for (Bytes& m : batch) {
      m.resize(1 + rng_.below(64));
      for (std::byte& b : m) b = static_cast<std::byte>(rng_.next());
    }
    return batch;
  }
  static std::vector<Bytes> variant_of(std::vector<Bytes> batch) {
    if (batch.front().empty()) {
      batch.front().push_back(std::byte{0x5A});
    } else {
      batch.front().front() ^= std::byte{0xFF};
    }
    return batch;
  }

  ClusterConfig config_;
  NodeId self_;
  Seed seed_;
  Mode mode_;
  Rng rng_;
  KeyPair keys_;
  std::unique_ptr<BroadcastNode> inner_;
  std::uint64_t own_sequence_ = 0;
};

class Silent final : public Actor {
 public:
  void on_message(NodeId, std::span<const std::byte>, Effects&) override {}
  void on_tick(Effects&) override {}
  void on_turn(std::vector<Bytes>, Effects&) override {}
};

class Garbage final : public Base {
 public:
  using Base::Base;
  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    pass(from, bytes, out);
    if (rng_.chance(0.5)) {
      out.sends.push_back(Outgoing{random_peer(), std::make_shared<const Bytes>(mutate(bytes))});
    }
  }
  void on_tick(Effects& out) override {
    Base::on_tick(out);
    Bytes noise(rng_.below(200));
    for (std::byte& b : noise) b = static_cast<std::byte>(rng_.next());
    out.sends.push_back(Outgoing{random_peer(), std::make_shared<const Bytes>(std::move(noise))});
  }

 private:
  Bytes mutate(std::span<const std::byte> original) {
    Bytes bytes(original.begin(), original.end());
    if (bytes.empty()) return bytes;
    switch (rng_.below(4)) {
      case 0:
        for (std::uint64_t i = 0, k = 1 + rng_.below(3); i < k; ++i) bytes[rng_.below(bytes.size())] ^= std::byte{0x41};
        break;
      case 1:
        bytes.resize(rng_.below(bytes.size()));
        break;
      case 2:
        bytes.insert(bytes.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(rng_.below(bytes.size())));
        break;
      default:
        bytes[rng_.below(bytes.size())] = std::byte{0xFF};
        break;
    }
    return bytes;
  }
};

// Two batches for one instance, to two groups; a bridge peer gets both.
class EquivocatingSender final : public Base {
 public:
  using Base::Base;

  void on_turn(std::vector<Bytes> batch, Effects& out) override {
    Fork fork;
    fork.instance = next_own_instance();
    fork.batch[0] = batch;
    fork.batch[1] = variant_of(std::move(batch));
    const std::vector<NodeId> peers = shuffled_peers();
    const std::size_t split = 1 + rng_.below(peers.size() - 1);
    fork.group[0].assign(peers.begin(), peers.begin() + static_cast<std::ptrdiff_t>(split));
    fork.group[1].assign(peers.begin() + static_cast<std::ptrdiff_t>(split), peers.end());
    fork.group[1].push_back(fork.group[0].front());  // the bridge: sees both versions
    for (int side = 0; side < 2; ++side) {
      fork.root[side] = merkle_root(fork.batch[side]);
      fork.acks[side][self_] = sign(Domain::acknowledge, fork.instance, fork.root[side]);
    }
    forks_.push_back(std::move(fork));
    send_versions(forks_.back(), out);
  }

  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    const std::optional<WireMessage> m = peek(bytes);
    if (m && kind_of(*m) == MessageKind::ack && instance_of(*m).sender == self_) {
      collect(std::get<Ack>(*m), out);
      return;
    }
    pass(from, bytes, out);
  }

  void on_tick(Effects& out) override {
    Base::on_tick(out);
    if (!rng_.chance(0.2)) return;
    for (const Fork& fork : forks_) send_versions(fork, out);
  }

 private:
  struct Fork {
    InstanceId instance;
    std::vector<Bytes> batch[2];
    Digest root[2]{};
    std::vector<NodeId> group[2];
    std::map<NodeId, Signature> acks[2];
  };

  void send_versions(const Fork& fork, Effects& out) {
    for (int side = 0; side < 2; ++side) {
      for (NodeId peer : fork.group[side]) {
        if (mode_ == Mode::signed_echo) {
          emit(peer, Propose{fork.instance, fork.batch[side], sign(Domain::propose, fork.instance, fork.root[side])},
               out);
        } else {
          emit(peer, BrachaSend{fork.instance, fork.batch[side]}, out);
          emit(peer, BrachaEcho{fork.instance, fork.batch[side]}, out);
          emit(peer, BrachaReady{fork.instance, fork.root[side]}, out);
        }
      }
    }
  }

  // Every new ack: a commit for that side, padded to a quorum with this
  // node's own signature repeated (a double signer) when acks are short.
  void collect(const Ack& ack, Effects& out) {
    for (Fork& fork : forks_) {
      if (fork.instance != ack.instance) continue;
      for (int side = 0; side < 2; ++side) {
        if (ack.digest != fork.root[side] || !config_.is_member(ack.witness)) continue;
        fork.acks[side][ack.witness] = ack.signature;
        Commit commit{fork.instance, fork.root[side], fork.batch[side], {}};
        for (const auto& [witness, signature] : fork.acks[side]) {
          if (commit.certificate.signatures.size() < config_.quorum()) {
            commit.certificate.signatures.push_back({witness, signature});
          }
        }
        while (commit.certificate.signatures.size() < config_.quorum()) {
          commit.certificate.signatures.push_back({self_, fork.acks[side][self_]});
        }
        for (NodeId peer : fork.group[side]) emit(peer, commit, out);
      }
    }
  }

  std::vector<Fork> forks_;
};

// Proposes to some witnesses only; commits to some nodes only; never retries.
class PartialSender final : public Base {
 public:
  using Base::Base;

  void on_turn(std::vector<Bytes> batch, Effects& out) override {
    Pending p;
    p.instance = next_own_instance();
    p.root = merkle_root(batch);
    p.batch = std::move(batch);
    p.acks[self_] = sign(Domain::acknowledge, p.instance, p.root);
    std::vector<NodeId> peers = shuffled_peers();
    peers.resize(1 + rng_.below(peers.size()));
    for (NodeId peer : peers) {
      if (mode_ == Mode::signed_echo) {
        emit(peer, Propose{p.instance, p.batch, sign(Domain::propose, p.instance, p.root)}, out);
      } else {
        emit(peer, BrachaSend{p.instance, p.batch}, out);
        emit(peer, BrachaEcho{p.instance, p.batch}, out);
      }
    }
    pending_.push_back(std::move(p));
  }

  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    const std::optional<WireMessage> m = peek(bytes);
    if (m && kind_of(*m) == MessageKind::ack && instance_of(*m).sender == self_) {
      collect(std::get<Ack>(*m), out);
      return;
    }
    pass(from, bytes, out);
  }

 private:
  struct Pending {
    InstanceId instance;
    std::vector<Bytes> batch;
    Digest root{};
    std::map<NodeId, Signature> acks;
    bool committed = false;
  };

  void collect(const Ack& ack, Effects& out) {
    for (Pending& p : pending_) {
      if (p.instance != ack.instance || p.root != ack.digest || p.committed || !config_.is_member(ack.witness)) continue;
      p.acks[ack.witness] = ack.signature;
      if (p.acks.size() < config_.quorum()) continue;
      p.committed = true;
      Commit commit{p.instance, p.root, p.batch, {}};
      for (const auto& [witness, signature] : p.acks) {
        if (commit.certificate.signatures.size() < config_.quorum()) commit.certificate.signatures.push_back({witness, signature});
      }
      std::vector<NodeId> peers = shuffled_peers();
      peers.resize(rng_.below(peers.size() + 1));  // maybe nobody: withholding
      for (NodeId peer : peers) emit(peer, commit, out);
    }
  }

  std::vector<Pending> pending_;
};

// Acknowledges (echoes, readies) whatever it sees, any number of roots.
class DoubleAcker final : public Base {
 public:
  using Base::Base;

  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    const std::optional<WireMessage> m = peek(bytes);
    if (!m) return;
    if (mode_ == Mode::signed_echo && kind_of(*m) == MessageKind::propose) {
      const Propose& p = std::get<Propose>(*m);
      const Digest root = merkle_root(p.batch);
      emit(p.instance.sender, Ack{p.instance, root, self_, sign(Domain::acknowledge, p.instance, root)}, out);
      return;
    }
    if (mode_ == Mode::bracha &&
        (kind_of(*m) == MessageKind::bracha_send || kind_of(*m) == MessageKind::bracha_echo)) {
      const InstanceId& instance = instance_of(*m);
      const std::vector<Bytes>& batch = kind_of(*m) == MessageKind::bracha_send ? std::get<BrachaSend>(*m).batch
                                                                                 : std::get<BrachaEcho>(*m).batch;
      const Digest root = merkle_root(batch);
      if (echoed_.emplace(instance, root).second) {
        emit_to_others(BrachaEcho{instance, batch}, out);
        emit_to_others(BrachaReady{instance, root}, out);
      }
    }
    pass(from, bytes, out);
  }

 private:
  std::set<std::pair<InstanceId, Digest>> echoed_;
};

// Signatures that cannot verify: random bytes, its own key for others,
// impersonation of senders.
class Forger final : public Base {
 public:
  using Base::Base;

  void on_tick(Effects& out) override {
    Base::on_tick(out);
    if (!rng_.chance(0.5)) return;
    const NodeId victim = random_peer();
    const InstanceId instance{config_.epoch(), victim, 1 + rng_.below(3)};
    const std::vector<Bytes> batch = random_batch();
    const Digest root = merkle_root(batch);
    if (mode_ == Mode::bracha) {
      emit(random_peer(), BrachaSend{instance, batch}, out);  // claims to be the victim's send
      emit_to_others(BrachaEcho{instance, batch}, out);
      emit_to_others(BrachaReady{instance, root}, out);
      return;
    }
    emit(random_peer(), Propose{instance, batch, random_signature()}, out);
    emit(random_peer(), Propose{instance, batch, sign(Domain::propose, instance, root)}, out);  // its key, not the victim's
    emit(victim, Ack{instance, root, random_other_than(victim), random_signature()}, out);
    Commit commit{instance, root, batch, {}};
    for (NodeId w = 0; w < config_.n() && commit.certificate.signatures.size() < config_.quorum(); ++w) {
      // Its own valid ack signature, attributed to every other witness.
      commit.certificate.signatures.push_back({w, sign(Domain::acknowledge, instance, root)});
    }
    emit(random_peer(), commit, out);
    for (WitnessSignature& s : commit.certificate.signatures) s.signature = random_signature();
    emit(random_peer(), commit, out);
  }
};

// Malformed certificates for other senders' instances.
class BadCertificates final : public Base {
 public:
  using Base::Base;

  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    const std::optional<WireMessage> m = peek(bytes);
    if (m && mode_ == Mode::signed_echo) {
      if (kind_of(*m) == MessageKind::propose) attack(std::get<Propose>(*m), out);
      if (kind_of(*m) == MessageKind::commit) reuse(std::get<Commit>(*m), out);
    }
    pass(from, bytes, out);
  }

  void on_tick(Effects& out) override {
    Base::on_tick(out);
    if (mode_ == Mode::bracha && rng_.chance(0.3)) {  // no certificates in Bracha: fake echoes instead
      const InstanceId instance{config_.epoch(), random_peer(), 1 + rng_.below(3)};
      emit_to_others(BrachaEcho{instance, random_batch()}, out);
    }
  }

 private:
  void attack(const Propose& p, Effects& out) {
    if (!attacked_.insert(p.instance).second) return;
    const std::vector<Bytes> other = variant_of(p.batch);
    const Digest root = merkle_root(other);
    const Signature own = sign(Domain::acknowledge, p.instance, root);
    const std::uint32_t q = config_.quorum();
    Commit twice{p.instance, root, other, {}};  // one signer q times
    for (std::uint32_t i = 0; i < q; ++i) twice.certificate.signatures.push_back({self_, own});
    Commit unknown{p.instance, root, other, {{{self_, own}}}};  // signers beyond the member list
    for (std::uint32_t i = 1; i < q; ++i) unknown.certificate.signatures.push_back({config_.n() + i, own});
    Commit too_few{p.instance, root, other, {{{self_, own}}}};
    // Wrong domain: the sender's proposal signature offered as its acknowledgement.
    const Digest real_root = merkle_root(p.batch);
    Commit wrong_domain{p.instance, real_root, p.batch, {{{p.instance.sender, p.sender_signature}}}};
    wrong_domain.certificate.signatures.push_back({self_, sign(Domain::propose, p.instance, real_root)});
    for (NodeId w = 0; w < config_.n() && wrong_domain.certificate.signatures.size() < q; ++w) {
      if (w != self_ && w != p.instance.sender) wrong_domain.certificate.signatures.push_back({w, p.sender_signature});
    }
    for (const Commit* c : {&twice, &unknown, &too_few, &wrong_domain}) emit(random_peer(), *c, out);
  }

  // A real certificate, reshaped: the other batch, one signer dropped, one doubled.
  void reuse(const Commit& c, Effects& out) {
    if (!reused_.insert(c.instance).second || c.certificate.signatures.empty()) return;
    Commit other_batch = c;  // the certified root claimed for another batch
    other_batch.batch = variant_of(c.batch);
    emit(random_peer(), other_batch, out);
    other_batch.digest = merkle_root(other_batch.batch);  // the other batch's own root, the old certificate
    emit(random_peer(), other_batch, out);
    Commit doubled = other_batch;
    doubled.certificate.signatures.back() = doubled.certificate.signatures.front();
    emit(random_peer(), doubled, out);
    Commit short_one = other_batch;
    short_one.certificate.signatures.pop_back();
    emit(random_peer(), short_one, out);
  }

  std::set<InstanceId> attacked_;
  std::set<InstanceId> reused_;
};

// Honest, until a restart wipes its votes and its sequence counter.
class Amnesiac final : public Actor {
 public:
  explicit Amnesiac(ActorSetup setup)
      : config_(std::move(setup.config)), self_(setup.self), seed_(setup.key_seed), mode_(setup.mode) {
    on_restart();
  }
  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    (void)node_->on_message(from, bytes, out);
  }
  void on_tick(Effects& out) override { node_->on_tick(out); }
  void on_turn(std::vector<Bytes> batch, Effects& out) override { (void)node_->broadcast(std::move(batch), out); }
  void on_restart() override { node_ = make_honest_node(mode_, config_, self_, seed_); }

 private:
  ClusterConfig config_;
  NodeId self_;
  Seed seed_;
  Mode mode_;
  std::unique_ptr<BroadcastNode> node_;
};

}  // namespace

std::unique_ptr<Actor> make_actor(Behaviour behaviour, ActorSetup setup) {
  switch (behaviour) {
    case Behaviour::silent:
      return std::make_unique<Silent>();
    case Behaviour::equivocating_sender:
      return std::make_unique<EquivocatingSender>(std::move(setup));
    case Behaviour::partial_sender:
      return std::make_unique<PartialSender>(std::move(setup));
    case Behaviour::double_acker:
      return std::make_unique<DoubleAcker>(std::move(setup));
    case Behaviour::forger:
      return std::make_unique<Forger>(std::move(setup));
    case Behaviour::bad_certificates:
      return std::make_unique<BadCertificates>(std::move(setup));
    case Behaviour::amnesiac:
      return std::make_unique<Amnesiac>(std::move(setup));
    case Behaviour::garbage:
      return std::make_unique<Garbage>(std::move(setup));
  }
  return std::make_unique<Silent>();
}

}  // namespace missive::bft::sim::detail
