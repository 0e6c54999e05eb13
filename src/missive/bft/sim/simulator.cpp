// The simulated network and the property checks (sim/scenario.hpp).
//
// A discrete-event loop over simulated microseconds. Events are ordered by
// (time, insertion order), every random choice comes from generators forked
// off the scenario seed, and nodes are deterministic, so a seed replays
// exactly. Three generators: `schedule` (who broadcasts what, when; the same
// for both modes, which the differential test relies on), `network`, and one
// per Byzantine actor.
#include <algorithm>
#include <deque>
#include <memory>
#include <queue>
#include <set>
#include <sstream>
#include <utility>

#include "missive/bft/config.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/sim/detail/actors.hpp"
#include "missive/bft/sim/scenario.hpp"

namespace missive::bft::sim {

std::string_view name(Behaviour behaviour) noexcept {
  switch (behaviour) {
    case Behaviour::silent:
      return "silent";
    case Behaviour::equivocating_sender:
      return "equivocating_sender";
    case Behaviour::partial_sender:
      return "partial_sender";
    case Behaviour::double_acker:
      return "double_acker";
    case Behaviour::forger:
      return "forger";
    case Behaviour::bad_certificates:
      return "bad_certificates";
    case Behaviour::amnesiac:
      return "amnesiac";
    case Behaviour::garbage:
      return "garbage";
  }
  return "unknown";
}

namespace {

Seed key_seed_of(NodeId id) {
  Seed seed{};
  seed.fill(std::byte{0x42});
  for (std::size_t i = 0; i < 4; ++i) seed[i] = static_cast<std::byte>((id >> (8 * i)) & 0xFFu);
  return seed;
}

std::vector<PublicKey> member_keys(std::uint32_t n) {
  std::vector<PublicKey> keys;
  for (NodeId id = 0; id < n; ++id) keys.push_back(KeyPair::from_seed(key_seed_of(id))->public_key());
  return keys;
}

struct Transmission {
  NodeId from = 0;
  NodeId to = 0;
  std::shared_ptr<const Bytes> bytes;
};

enum class EventType : std::uint8_t { deliver, tick, turn, restart };

struct Event {
  std::uint64_t time = 0;
  std::uint64_t order = 0;
  EventType type = EventType::tick;
  Transmission message;
  bool tampered = false;
  std::size_t turn = 0;  // index into the turn list

  bool operator>(const Event& other) const noexcept {
    return time != other.time ? time > other.time : order > other.order;
  }
};

struct Turn {
  NodeId node = 0;
  std::vector<Bytes> batch;
};

struct NodeDelivery {
  Digest root{};
  std::vector<Bytes> batch;
};

// Every message of an all-correct run of epoch-1 (for cross-epoch replay).
std::vector<Transmission> previous_epoch_traffic(const ScenarioSpec& spec, const std::vector<PublicKey>& keys) {
  Result<ClusterConfig> config = ClusterConfig::create(spec.seed % 1000, spec.f, keys);  // the epoch before
  std::vector<Transmission> captured;
  if (!config) return captured;
  std::vector<std::unique_ptr<BroadcastNode>> nodes;
  for (NodeId id = 0; id < spec.n; ++id) nodes.push_back(detail::make_honest_node(spec.mode, *config, id, key_seed_of(id)));
  std::deque<Transmission> queue;
  Effects out;
  auto collect = [&](NodeId from) {
    for (Outgoing& o : out.sends) queue.push_back({from, o.to, std::move(o.bytes)});
    out.clear();
  };
  for (NodeId id = 0; id < spec.n; ++id) {
    (void)nodes[id]->broadcast({Bytes(8, static_cast<std::byte>(id))}, out);
    collect(id);
  }
  while (!queue.empty() && captured.size() < 4096) {
    Transmission t = std::move(queue.front());
    queue.pop_front();
    (void)nodes[t.to]->on_message(t.from, *t.bytes, out);
    collect(t.to);
    captured.push_back(std::move(t));
  }
  return captured;
}

class Simulation {
 public:
  Simulation(const ScenarioSpec& spec, const Trace& trace)
      : spec_(spec), trace_(trace), schedule_rng_(spec.seed ^ 0x5CEDu), network_rng_(spec.seed ^ 0x4E7u) {}

  Outcome run() {
    const std::vector<PublicKey> keys = member_keys(spec_.n);
    // Epoch spec.seed % 1000 + 1: replayed traffic of the epoch before is stale.
    Result<ClusterConfig> config = ClusterConfig::create(spec_.seed % 1000 + 1, spec_.f, keys);
    if (!config) {
      outcome_.violations.push_back(std::string("bad scenario: ") + config.error().message());
      return outcome_;
    }
    if (spec_.previous_epoch_replay && spec_.faults.replay > 0) old_traffic_ = previous_epoch_traffic(spec_, keys);
    build_members(*config);
    schedule_turns();
    for (NodeId id = 0; id < spec_.n; ++id) push_tick(id, 1000 + id * 997);
    while (!events_.empty()) {
      Event e = events_.top();
      events_.pop();
      if (e.time > spec_.end_us) break;
      now_ = e.time;
      handle(e);
    }
    check_properties();
    return outcome_;
  }

 private:
  bool is_correct(NodeId id) const { return !spec_.byzantine.contains(id); }

  void build_members(const ClusterConfig& config) {
    Rng actor_seeds(spec_.seed ^ 0xB42u);
    correct_.resize(spec_.n);
    byzantine_.resize(spec_.n);
    delivered_.resize(spec_.n);
    for (NodeId id = 0; id < spec_.n; ++id) {
      const auto byz = spec_.byzantine.find(id);
      if (byz == spec_.byzantine.end()) {
        correct_[id] = detail::make_honest_node(spec_.mode, config, id, key_seed_of(id));
      } else {
        byzantine_[id] = detail::make_actor(byz->second, {config, id, key_seed_of(id), spec_.mode, actor_seeds.fork()});
        if (byz->second == Behaviour::amnesiac) {
          for (int i = 0; i < 2; ++i) push(Event{1 + schedule_rng_.below(spec_.heal_at_us), 0, EventType::restart, {id, id, nullptr}});
        }
      }
    }
  }

  void schedule_turns() {
    for (NodeId id = 0; id < spec_.n; ++id) {
      for (std::uint32_t k = 0; k < spec_.broadcasts_per_node; ++k) {
        Turn turn{id, std::vector<Bytes>(spec_.batch_size, Bytes(spec_.message_bytes))};
        for (Bytes& m : turn.batch) {
          for (std::byte& b : m) b = static_cast<std::byte>(schedule_rng_.next());
        }
        turns_.push_back(std::move(turn));
        Event e{1 + schedule_rng_.below(spec_.heal_at_us * 9 / 10), 0, EventType::turn, {}};
        e.turn = turns_.size() - 1;
        push(std::move(e));
      }
    }
  }

  void push(Event e) {
    e.order = next_order_++;
    events_.push(std::move(e));
  }

  void push_tick(NodeId id, std::uint64_t at) {
    Event e{at, 0, EventType::tick, {id, id, nullptr}};
    push(std::move(e));
  }

  void handle(const Event& e) {
    Effects out;
    const NodeId id = e.type == EventType::turn ? turns_[e.turn].node : e.message.to;
    switch (e.type) {
      case EventType::tick:
        if (is_correct(id)) {
          correct_[id]->on_tick(out);
        } else {
          byzantine_[id]->on_tick(out);
        }
        push_tick(id, now_ + spec_.tick_us);
        break;
      case EventType::turn:
        take_turn(id, turns_[e.turn].batch, out);
        break;
      case EventType::restart:
        byzantine_[id]->on_restart();
        break;
      case EventType::deliver:
        if (e.tampered) {
          ++outcome_.messages_dropped;  // the link's authentication caught it
          return;
        }
        if (is_correct(id)) {
          const Status s = correct_[id]->on_message(e.message.from, *e.message.bytes, out);
          if (!s) {
            ++outcome_.messages_refused;
            ++outcome_.refusals[std::string(missive::name(s.code()))];
            emit({TraceEvent::Kind::refusal, now_, id, {}, {}, 0, s.code()});
          }
        } else {
          byzantine_[id]->on_message(e.message.from, *e.message.bytes, out);
        }
        break;
    }
    dispatch(id, out);
  }

  void take_turn(NodeId id, const std::vector<Bytes>& batch, Effects& out) {
    if (!is_correct(id)) {
      emit({TraceEvent::Kind::byzantine_turn, now_, id, {}, merkle_root(batch), batch.size(), Errc::ok});
      byzantine_[id]->on_turn(batch, out);
      return;
    }
    Result<InstanceId> instance = correct_[id]->broadcast(batch, out);
    if (!instance) {
      outcome_.violations.push_back("correct broadcast refused: " + instance.error().message());
      return;
    }
    broadcasts_[*instance] = batch;
    ++outcome_.correct_broadcasts;
    emit({TraceEvent::Kind::broadcast, now_, id, *instance, merkle_root(batch), batch.size(), Errc::ok});
  }

  void dispatch(NodeId from, Effects& out) {
    for (Outgoing& o : out.sends) send(from, o.to, std::move(o.bytes));
    if (!is_correct(from)) return;
    for (Delivery& d : out.deliveries) record_delivery(from, std::move(d));
  }

  void emit(const TraceEvent& event) const {
    if (trace_) trace_(event);
  }

  void record_delivery(NodeId node, Delivery&& d) {
    ++outcome_.deliveries;
    emit({TraceEvent::Kind::delivery, now_, node, d.instance, d.digest, d.batch.size(), Errc::ok});
    const auto [it, inserted] = delivered_[node].try_emplace(d.instance, NodeDelivery{d.digest, std::move(d.batch)});
    if (!inserted) violation("integrity: node " + std::to_string(node) + " delivered one instance twice");
  }

  void send(NodeId from, NodeId to, std::shared_ptr<const Bytes> bytes) {
    ++outcome_.messages_sent;
    if (to >= spec_.n || to == from) return;
    const LinkFaults& faults = spec_.faults;
    const bool healed = now_ >= spec_.heal_at_us;
    if (!healed && (cut_by_partition(from, to) || network_rng_.chance(faults.drop))) {
      ++outcome_.messages_dropped;
      return;
    }
    const int copies = network_rng_.chance(faults.duplicate) ? 2 : 1;
    for (int c = 0; c < copies; ++c) transmit({from, to, bytes});
    if (history_.size() < 512) {
      history_.push_back({from, to, bytes});
    } else {
      history_[network_rng_.below(history_.size())] = {from, to, bytes};
    }
    if (network_rng_.chance(faults.replay)) replay();
  }

  void transmit(Transmission t) {
    const LinkFaults& faults = spec_.faults;
    Event e{now_ + network_rng_.between(faults.min_delay_us, faults.max_delay_us), 0, EventType::deliver, {}};
    if (!t.bytes->empty() && network_rng_.chance(faults.corrupt)) {
      auto corrupted = std::make_shared<Bytes>(*t.bytes);
      for (std::uint64_t i = 0, k = 1 + network_rng_.below(3); i < k; ++i) {
        (*corrupted)[network_rng_.below(corrupted->size())] ^= static_cast<std::byte>(1 + network_rng_.below(255));
      }
      t.bytes = std::move(corrupted);
      e.tampered = faults.authenticated_links;
      ++outcome_.messages_tampered;
    }
    e.message = std::move(t);
    push(std::move(e));
  }

  void replay() {
    const bool stale = !old_traffic_.empty() && network_rng_.chance(0.5);
    const std::vector<Transmission>& pool = stale ? old_traffic_ : history_;
    if (pool.empty()) return;
    Transmission t = pool[network_rng_.below(pool.size())];
    if (t.to >= spec_.n) return;
    transmit(std::move(t));
  }

  bool cut_by_partition(NodeId a, NodeId b) const {
    if (!spec_.partition) return false;
    const Partition& p = *spec_.partition;
    if (now_ < p.from_us || now_ >= p.until_us) return false;
    const bool a_in = std::find(p.side.begin(), p.side.end(), a) != p.side.end();
    const bool b_in = std::find(p.side.begin(), p.side.end(), b) != p.side.end();
    return a_in != b_in;
  }

  void violation(std::string text) {
    if (outcome_.violations.size() < 20) outcome_.violations.push_back(std::move(text));
  }

  static std::string label(const InstanceId& i) {
    return "(epoch " + std::to_string(i.epoch) + ", sender " + std::to_string(i.sender) + ", seq " +
           std::to_string(i.sequence) + ")";
  }

  void check_properties() {
    outcome_.liveness_checked = spec_.faults.authenticated_links || spec_.faults.corrupt == 0;
    std::map<InstanceId, std::pair<NodeId, Digest>> first_seen;
    for (NodeId node = 0; node < spec_.n; ++node) {
      if (!is_correct(node)) continue;
      for (const auto& [instance, d] : delivered_[node]) {
        const auto [it, fresh] = first_seen.try_emplace(instance, node, d.root);
        if (!fresh && it->second.second != d.root) {
          violation("agreement: nodes " + std::to_string(it->second.first) + " and " + std::to_string(node) +
                    " delivered different batches for " + label(instance));
        }
        check_integrity(node, instance, d);
      }
    }
    if (!outcome_.liveness_checked) return;
    for (const auto& [instance, batch] : broadcasts_) {
      for (NodeId node = 0; node < spec_.n; ++node) {
        if (is_correct(node) && !delivered_[node].contains(instance)) {
          violation("validity: node " + std::to_string(node) + " never delivered correct broadcast " + label(instance));
        }
      }
    }
    for (const auto& [instance, seen] : first_seen) {
      for (NodeId node = 0; node < spec_.n; ++node) {
        if (is_correct(node) && !delivered_[node].contains(instance)) {
          violation("totality: node " + std::to_string(seen.first) + " delivered " + label(instance) + " but node " +
                    std::to_string(node) + " never did");
        }
      }
    }
  }

  void check_integrity(NodeId node, const InstanceId& instance, const NodeDelivery& d) {
    if (merkle_root(d.batch) != d.root) violation("integrity: delivered batch does not match its root");
    if (!is_correct(instance.sender)) return;
    const auto sent = broadcasts_.find(instance);
    if (sent == broadcasts_.end()) {
      violation("integrity: node " + std::to_string(node) + " delivered " + label(instance) +
                " which its correct sender never broadcast");
      return;
    }
    if (sent->second != d.batch) violation("integrity: node " + std::to_string(node) + " delivered a forged batch for " + label(instance));
    outcome_.correct_sender_deliveries[instance] = d.root;
  }

  const ScenarioSpec& spec_;
  const Trace& trace_;
  Rng schedule_rng_;
  Rng network_rng_;
  Outcome outcome_;
  std::uint64_t now_ = 0;
  std::uint64_t next_order_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::vector<std::unique_ptr<BroadcastNode>> correct_;
  std::vector<std::unique_ptr<detail::Actor>> byzantine_;
  std::vector<std::map<InstanceId, NodeDelivery>> delivered_;
  std::map<InstanceId, std::vector<Bytes>> broadcasts_;
  std::vector<Turn> turns_;
  std::vector<Transmission> history_;
  std::vector<Transmission> old_traffic_;
};

}  // namespace

Outcome run_scenario(const ScenarioSpec& spec, const Trace& trace) {
  if (spec.byzantine.size() > spec.f) {
    Outcome bad;
    bad.violations.push_back("bad scenario: more Byzantine members than f");
    return bad;
  }
  return Simulation(spec, trace).run();
}

ScenarioSpec random_scenario(std::uint64_t seed, Mode mode) {
  // Seeds s and s+1 must not share a stream: start from a mixed seed.
  Rng rng(Rng(seed ^ 0xA5A5A5A5A5A5A5A5ull).next());
  ScenarioSpec spec;
  spec.seed = seed;
  spec.mode = mode;
  const std::uint64_t size_roll = rng.below(100);
  spec.f = size_roll < 75 ? 1 : (size_roll < 97 ? 2 : 3);
  spec.n = 3 * spec.f + 1;
  const std::uint32_t byzantine_count = rng.chance(0.85) ? spec.f : static_cast<std::uint32_t>(rng.below(spec.f));
  while (spec.byzantine.size() < byzantine_count) {
    spec.byzantine[static_cast<NodeId>(rng.below(spec.n))] = static_cast<Behaviour>(rng.below(behaviour_count));
  }
  LinkFaults& faults = spec.faults;
  faults.drop = static_cast<double>(rng.below(30)) / 100.0;
  faults.duplicate = static_cast<double>(rng.below(10)) / 100.0;
  faults.corrupt = static_cast<double>(rng.below(5)) / 100.0;
  faults.replay = static_cast<double>(rng.below(5)) / 100.0;
  faults.min_delay_us = rng.between(20, 200);
  faults.max_delay_us = faults.min_delay_us + rng.between(100, 5000);
  faults.authenticated_links = mode == Mode::bracha || rng.chance(0.8);
  spec.heal_at_us = rng.between(150'000, 300'000);
  if (rng.chance(0.4)) {
    Partition p;
    p.from_us = rng.below(100'000);
    p.until_us = rng.between(p.from_us, spec.heal_at_us);
    for (NodeId id = 0; id < spec.n; ++id) {
      if (rng.chance(0.5)) p.side.push_back(id);
    }
    spec.partition = std::move(p);
  }
  spec.broadcasts_per_node = static_cast<std::uint32_t>(rng.between(1, 4));
  spec.batch_size = static_cast<std::uint32_t>(rng.between(1, 4));
  spec.message_bytes = static_cast<std::uint32_t>(rng.between(16, 256));
  spec.end_us = spec.heal_at_us + 1'200'000;
  return spec;
}

std::string describe(const ScenarioSpec& spec) {
  std::ostringstream s;
  s << "seed " << spec.seed << ", " << (spec.mode == Mode::signed_echo ? "signed_echo" : "bracha") << ", n " << spec.n
    << ", f " << spec.f << ", byzantine {";
  for (const auto& [id, behaviour] : spec.byzantine) s << ' ' << id << ':' << name(behaviour);
  s << " }, drop " << spec.faults.drop << ", dup " << spec.faults.duplicate << ", corrupt " << spec.faults.corrupt
    << (spec.faults.authenticated_links ? " (caught)" : " (raw)") << ", replay " << spec.faults.replay << ", delay "
    << spec.faults.min_delay_us << ".." << spec.faults.max_delay_us << " us" << (spec.partition ? ", partition" : "")
    << ", heal " << spec.heal_at_us << " us";
  return s.str();
}

}  // namespace missive::bft::sim
