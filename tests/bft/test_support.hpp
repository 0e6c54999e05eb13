// Helpers for the bft tests: deterministic keys, small clusters pumped
// without faults, byte strings.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/config.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/echo_node.hpp"
#include "missive/bft/vote_store.hpp"

namespace missive::bft::testing {

inline Seed seed_of(NodeId id) {
  Seed seed{};
  seed.fill(std::byte{0x17});
  seed[0] = static_cast<std::byte>(id);
  return seed;
}

inline KeyPair keys_of(NodeId id) { return *KeyPair::from_seed(seed_of(id)); }

inline ClusterConfig config_of(std::uint32_t n, std::uint32_t f, std::uint64_t epoch = 7) {
  std::vector<PublicKey> keys;
  for (NodeId id = 0; id < n; ++id) keys.push_back(keys_of(id).public_key());
  return *ClusterConfig::create(epoch, f, keys);
}

inline Bytes bytes_of(std::string_view text) {
  Bytes out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

// bytes_of(prefix + n), spelled so that GCC 12's -Wrestrict false positive
// on `"literal" + std::to_string(n)` does not fire.
inline Bytes numbered(std::string_view prefix, std::uint64_t n) {
  std::string text(prefix);
  text += std::to_string(n);
  return bytes_of(text);
}

struct InFlight {
  NodeId from = 0;
  NodeId to = 0;
  std::shared_ptr<const Bytes> bytes;
};

// n honest nodes of one mode over perfect FIFO links (a bus), for unit tests.
class Bus {
 public:
  Bus(Mode mode, std::uint32_t n, std::uint32_t f) : config(config_of(n, f)) {
    for (NodeId id = 0; id < n; ++id) {
      stores.push_back(std::make_shared<MemoryVoteStore>());
      nodes.push_back(make(mode, id, stores.back()));
      delivered.emplace_back();
    }
  }

  std::unique_ptr<BroadcastNode> make(Mode mode, NodeId id, std::shared_ptr<VoteStore> store) {
    if (mode == Mode::signed_echo) return *EchoNode::create(config, id, keys_of(id), std::move(store));
    return *BrachaNode::create(config, id, keys_of(id), std::move(store));
  }

  void absorb(NodeId from, Effects& out) {
    for (Outgoing& o : out.sends) queue.push_back({from, o.to, std::move(o.bytes)});
    for (Delivery& d : out.deliveries) delivered[from].push_back(std::move(d));
    out.clear();
  }

  // Delivers queued messages (to nodes not in `down`) until none is left.
  void run(const std::vector<bool>& down = {}) {
    Effects out;
    while (!queue.empty()) {
      InFlight m = std::move(queue.front());
      queue.pop_front();
      if (!down.empty() && down[m.to]) continue;
      (void)nodes[m.to]->on_message(m.from, *m.bytes, out);
      absorb(m.to, out);
    }
  }

  void tick_all() {
    Effects out;
    for (NodeId id = 0; id < nodes.size(); ++id) {
      nodes[id]->on_tick(out);
      absorb(id, out);
    }
  }

  ClusterConfig config;
  std::vector<std::shared_ptr<MemoryVoteStore>> stores;
  std::vector<std::unique_ptr<BroadcastNode>> nodes;
  std::vector<std::vector<Delivery>> delivered;
  std::deque<InFlight> queue;
};

}  // namespace missive::bft::testing
