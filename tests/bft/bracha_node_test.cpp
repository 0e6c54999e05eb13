// BrachaNode over perfect links and against hand-made hostile messages.
#include <gtest/gtest.h>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/merkle.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

using testing::Bus;
using testing::bytes_of;
using testing::keys_of;

TEST(BrachaNode, EveryNodeDeliversEveryBroadcastOnce) {
  Bus bus(Mode::bracha, 7, 2);
  Effects out;
  for (NodeId sender = 0; sender < 7; ++sender) {
    ASSERT_TRUE(bus.nodes[sender]->broadcast({testing::numbered("b", sender)}, out));
    bus.absorb(sender, out);
  }
  bus.run();
  for (NodeId node = 0; node < 7; ++node) {
    ASSERT_EQ(bus.delivered[node].size(), 7u);
    for (const Delivery& d : bus.delivered[node]) {
      EXPECT_EQ(d.batch.front(), testing::numbered("b", d.instance.sender));
    }
  }
}

TEST(BrachaNode, ToleratesFSilentMembersAndRecoversAfterTheyReturn) {
  Bus bus(Mode::bracha, 4, 1);
  Effects out;
  ASSERT_TRUE(bus.nodes[0]->broadcast({bytes_of("x")}, out));
  bus.absorb(0, out);
  bus.run({false, false, false, true});
  for (NodeId node = 0; node < 3; ++node) EXPECT_EQ(bus.delivered[node].size(), 1u);
  EXPECT_TRUE(bus.delivered[3].empty());
  bus.tick_all();  // node 3 is back: retransmissions reach it
  bus.run();
  EXPECT_EQ(bus.delivered[3].size(), 1u);
  bus.tick_all();  // everyone announced `have` on delivery: nothing more is sent
  EXPECT_TRUE(bus.queue.empty());
}

TEST(BrachaNode, ASendMustComeFromItsSenderAndOnlyOnce) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto node = *BrachaNode::create(config, 1, keys_of(1), std::make_shared<MemoryVoteStore>());
  Effects out;
  const BrachaSend a{{7, 0, 1}, {bytes_of("A")}};
  const BrachaSend b{{7, 0, 1}, {bytes_of("B")}};
  EXPECT_EQ(node->on_message(2, encode(a), out).code(), Errc::rejected);  // relayed by node 2
  EXPECT_TRUE(out.sends.empty());
  ASSERT_TRUE(node->on_message(0, encode(a), out));
  EXPECT_EQ(out.sends.size(), 3u);  // its echo to the three others
  out.clear();
  EXPECT_EQ(node->on_message(0, encode(b), out).code(), Errc::equivocation);
  EXPECT_TRUE(out.sends.empty());
}

TEST(BrachaNode, AMemberCountsOncePerPhaseAndCannotChangeItsEcho) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto node = *BrachaNode::create(config, 1, keys_of(1), std::make_shared<MemoryVoteStore>());
  Effects out;
  const BrachaEcho a{{7, 0, 1}, {bytes_of("A")}};
  const BrachaEcho b{{7, 0, 1}, {bytes_of("B")}};
  ASSERT_TRUE(node->on_message(2, encode(a), out));
  ASSERT_TRUE(node->on_message(2, encode(a), out));  // duplicate: counted once
  EXPECT_EQ(node->on_message(2, encode(b), out).code(), Errc::equivocation);
  ASSERT_TRUE(node->on_message(3, encode(a), out));
  EXPECT_TRUE(out.sends.empty()) << "2 echoes of 4 members are no quorum";
  ASSERT_TRUE(node->on_message(0, encode(a), out));
  EXPECT_EQ(out.sends.size(), 3u) << "a quorum of echoes: ready to all";
  out.clear();
  const Digest root = merkle_root(a.batch);
  ASSERT_TRUE(node->on_message(2, encode(BrachaReady{{7, 0, 1}, root}), out));
  ASSERT_TRUE(node->on_message(2, encode(BrachaReady{{7, 0, 1}, root}), out));
  EXPECT_TRUE(out.deliveries.empty()) << "own ready + one member's ready is 2 of 2f+1 = 3";
  ASSERT_TRUE(node->on_message(3, encode(BrachaReady{{7, 0, 1}, root}), out));
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(out.deliveries[0].batch, a.batch);
}

TEST(BrachaNode, FPlusOneReadiesAmplifyAndDeliveryWaitsForTheBatch) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto node = *BrachaNode::create(config, 1, keys_of(1), std::make_shared<MemoryVoteStore>());
  Effects out;
  const std::vector<Bytes> batch{bytes_of("late")};
  const Digest root = merkle_root(batch);
  ASSERT_TRUE(node->on_message(2, encode(BrachaReady{{7, 0, 1}, root}), out));
  EXPECT_TRUE(out.sends.empty());
  ASSERT_TRUE(node->on_message(3, encode(BrachaReady{{7, 0, 1}, root}), out));
  EXPECT_EQ(out.sends.size(), 3u) << "f+1 readies: this node readies too";
  EXPECT_TRUE(out.deliveries.empty()) << "3 readies but no batch with that root yet";
  out.clear();
  ASSERT_TRUE(node->on_message(0, encode(BrachaEcho{{7, 0, 1}, batch}), out));
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(out.deliveries[0].digest, root);
}

}  // namespace
}  // namespace missive::bft
