#include "missive/bft/fuzz_entry.hpp"

#include <cstdlib>
#include <vector>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/echo_node.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/messages.hpp"

namespace missive::bft {
namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

Seed seed_of(NodeId id) {
  Seed seed{};
  seed.fill(std::byte{0xF0});
  seed[0] = static_cast<std::byte>(id);
  return seed;
}

const ClusterConfig& small_cluster() {
  static const ClusterConfig config = [] {
    std::vector<PublicKey> keys;
    for (NodeId id = 0; id < 4; ++id) keys.push_back(KeyPair::from_seed(seed_of(id))->public_key());
    const BroadcastLimits limits{.max_batch_messages = 64, .max_message_bytes = 4096, .max_batch_bytes = 65536};
    return *ClusterConfig::create(1, 1, keys, limits);
  }();
  return config;
}

void check_message(std::span<const std::byte> bytes) {
  const ClusterConfig& config = small_cluster();
  const Result<WireMessage> decoded = decode(bytes, config.limits(), config.n());
  if (!decoded) return;
  const Bytes canonical = encode(*decoded);
  const Result<WireMessage> again = decode(canonical, config.limits(), config.n());
  require(again.has_value());
  require(encode(*again) == canonical);
}

void check_proof(std::span<const std::byte> bytes) {
  const Result<MerkleProof> proof = MerkleProof::decode(bytes);
  if (!proof) return;
  require(proof->leaf_index < proof->leaf_count);
  require(proof->siblings.size() == merkle_path_length(proof->leaf_index, proof->leaf_count));
}

template <class Node>
void check_node(std::span<const std::byte> bytes) {
  const ClusterConfig& config = small_cluster();
  Result<std::unique_ptr<Node>> node =
      Node::create(config, 1, *KeyPair::from_seed(seed_of(1)), std::make_shared<MemoryVoteStore>());
  require(node.has_value());
  Effects out;
  if (!(*node)->on_message(0, bytes, out)) require(out.sends.empty() && out.deliveries.empty());
}

}  // namespace

void fuzz_decoders(std::span<const std::byte> bytes) {
  check_message(bytes);
  check_proof(bytes);
  check_node<EchoNode>(bytes);
  check_node<BrachaNode>(bytes);
}

}  // namespace missive::bft
