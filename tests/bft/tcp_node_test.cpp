// TcpNode in one process: four members, each with its own protocol thread,
// over authenticated TCP on 127.0.0.1 (runs under TSan, unlike the
// cross-process test). What must never happen: two members deliver different
// roots for one instance; a correct member's broadcast is missing anywhere
// at the end; a data race between the protocol, link, accept and reader threads.
#include "missive/bft/tcp_node.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "missive/bft/crypto.hpp"
#include "missive/net/tcp_stream.hpp"

namespace missive::bft {
namespace {

using namespace std::chrono_literals;

TEST(TcpNode, FourMembersOneSilentAgreeAndDeliverEverything) {
  constexpr NodeId n = 4;
  constexpr int broadcasts = 5;
  std::vector<Seed> seeds(n);
  std::vector<PublicKey> keys;
  std::vector<std::string> addresses;
  std::vector<net::TcpListener> probes;  // held until every port is known, so they differ
  for (NodeId i = 0; i < n; ++i) {
    seeds[i].fill(std::byte{static_cast<unsigned char>(0x40 + i)});
    keys.push_back(KeyPair::from_seed(seeds[i])->public_key());
    auto probe = net::TcpListener::listen("tcp://127.0.0.1:0");
    ASSERT_TRUE(probe);
    addresses.push_back(probe->address());
    probes.push_back(std::move(*probe));
  }
  probes.clear();
  const ClusterConfig config = *ClusterConfig::create(1, 1, keys);
  std::vector<std::map<std::pair<NodeId, std::uint64_t>, Digest>> delivered(n);
  std::atomic<int> finished{0};  // correct members that delivered everything (a count only: relaxed)
  std::vector<std::thread> members;
  for (NodeId i = 0; i < n; ++i) {
    members.emplace_back([&, i] {
      TcpNodeSetup setup{config, i, seeds[i], addresses, Mode::signed_echo, std::nullopt, ""};
      if (i == n - 1) setup.byzantine = sim::Behaviour::silent;
      auto node = TcpNode::start(std::move(setup));
      ASSERT_TRUE(node) << node.error().message();
      if (i != n - 1) {
        for (int b = 0; b < broadcasts; ++b) {
          ASSERT_TRUE((*node)->broadcast({Bytes(256, std::byte{static_cast<unsigned char>(b)})}));
        }
      }
      const auto until = std::chrono::steady_clock::now() + 20s;  // bound
      std::vector<Delivery> out;
      const bool silent = i == n - 1;
      while (std::chrono::steady_clock::now() < until &&
             (silent ? finished.load(std::memory_order_relaxed) < 3 : delivered[i].size() < 3u * broadcasts)) {
        out.clear();
        (*node)->poll(Deadline::after(10ms), out);
        for (const Delivery& d : out) delivered[i][{d.instance.sender, d.instance.sequence}] = d.digest;
      }
      if (!silent) finished.fetch_add(1, std::memory_order_relaxed);
      // Keep serving the others a little longer (they may still need our acks or relays).
      const auto linger = std::chrono::steady_clock::now() + 300ms;
      while (std::chrono::steady_clock::now() < linger) {
        out.clear();
        (*node)->poll(Deadline::after(10ms), out);
      }
    });
  }
  for (std::thread& t : members) t.join();
  for (NodeId i = 0; i + 1 < n; ++i) {
    EXPECT_EQ(delivered[i].size(), 3u * broadcasts) << "member " << i;
    EXPECT_EQ(delivered[i], delivered[0]) << "member " << i << " disagrees with member 0";
  }
}

}  // namespace
}  // namespace missive::bft
