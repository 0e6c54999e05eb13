// EchoNode over perfect links and against hand-made hostile messages.
#include <gtest/gtest.h>

#include "missive/bft/echo_node.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/statement.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

using testing::Bus;
using testing::bytes_of;
using testing::keys_of;

TEST(EchoNode, EveryNodeDeliversEveryBroadcastOnce) {
  Bus bus(Mode::signed_echo, 4, 1);
  Effects out;
  for (NodeId sender = 0; sender < 4; ++sender) {
    const Result<InstanceId> id = bus.nodes[sender]->broadcast({testing::numbered("from ", sender)}, out);
    ASSERT_TRUE(id);
    EXPECT_EQ(id->sequence, 1u);
    bus.absorb(sender, out);
  }
  bus.run();
  for (NodeId node = 0; node < 4; ++node) {
    ASSERT_EQ(bus.delivered[node].size(), 4u) << node;
    for (const Delivery& d : bus.delivered[node]) {
      EXPECT_EQ(d.batch.front(), testing::numbered("from ", d.instance.sender));
      EXPECT_EQ(d.digest, merkle_root(d.batch));
    }
  }
  bus.tick_all();  // everyone knows everyone has everything: nothing to resend
  EXPECT_TRUE(bus.queue.empty());
  bus.run();
  for (NodeId node = 0; node < 4; ++node) EXPECT_EQ(bus.delivered[node].size(), 4u);
}

TEST(EchoNode, DeliversWithOneSilentWitnessAndNotWithTwo) {
  Bus bus(Mode::signed_echo, 4, 1);
  Effects out;
  ASSERT_TRUE(bus.nodes[0]->broadcast({bytes_of("x")}, out));
  bus.absorb(0, out);
  bus.run({false, false, false, true});  // node 3 down: 0, 1, 2 are a quorum
  EXPECT_EQ(bus.delivered[0].size(), 1u);
  EXPECT_EQ(bus.delivered[1].size(), 1u);

  Bus starved(Mode::signed_echo, 4, 1);
  ASSERT_TRUE(starved.nodes[0]->broadcast({bytes_of("x")}, out));
  starved.absorb(0, out);
  starved.run({false, false, true, true});
  EXPECT_TRUE(starved.delivered[0].empty()) << "2 acks of 4 are no certificate";
  starved.tick_all();  // the witnesses come back: retransmission completes it
  starved.run();
  for (NodeId node = 0; node < 4; ++node) EXPECT_EQ(starved.delivered[node].size(), 1u) << node;
}

TEST(EchoNode, RefusesBadBatchesAndInputThatIsNotForIt) {
  Bus bus(Mode::signed_echo, 4, 1);
  Effects out;
  EXPECT_EQ(bus.nodes[0]->broadcast({}, out).code(), Errc::invalid_argument);
  EXPECT_EQ(bus.nodes[0]->broadcast({Bytes(2u << 20)}, out).code(), Errc::invalid_argument);
  EXPECT_TRUE(out.sends.empty());
  EXPECT_EQ(bus.nodes[1]->on_message(9, bytes_of("x"), out).code(), Errc::invalid_argument);  // not a member link
  EXPECT_FALSE(bus.nodes[1]->on_message(0, bytes_of("garbage"), out));
  const Bytes bracha = encode(BrachaReady{{7, 0, 1}, Digest{}});
  EXPECT_EQ(bus.nodes[1]->on_message(0, bracha, out).code(), Errc::rejected);
  const Bytes other_epoch = encode(Have{{8, 0, 1}, Digest{}});
  EXPECT_EQ(bus.nodes[1]->on_message(0, other_epoch, out).code(), Errc::rejected);
  const Bytes stranger = encode(Have{{7, 4, 1}, Digest{}});
  EXPECT_EQ(bus.nodes[1]->on_message(0, stranger, out).code(), Errc::bad_signature);
  EXPECT_TRUE(out.sends.empty());
  EXPECT_TRUE(out.deliveries.empty());
}

TEST(EchoNode, CreateChecksIdentity) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto store = std::make_shared<MemoryVoteStore>();
  EXPECT_EQ(EchoNode::create(config, 4, keys_of(4), store).code(), Errc::invalid_argument);
  EXPECT_EQ(EchoNode::create(config, 1, keys_of(2), store).code(), Errc::invalid_argument);
  EXPECT_EQ(EchoNode::create(config, 1, keys_of(1), nullptr).code(), Errc::invalid_argument);
  EXPECT_TRUE(EchoNode::create(config, 1, keys_of(1), store));
}

Propose signed_proposal(NodeId sender, std::uint64_t sequence, const std::vector<Bytes>& batch) {
  const InstanceId id{7, sender, sequence};
  return Propose{id, batch, keys_of(sender).sign(make_statement(Domain::propose, id, merkle_root(batch)))};
}

TEST(EchoNode, AWitnessAcknowledgesOneRootPerInstanceEvenAfterRestart) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto store = std::make_shared<MemoryVoteStore>();
  auto witness = *EchoNode::create(config, 1, keys_of(1), store);
  Effects out;
  const Propose first = signed_proposal(0, 1, {bytes_of("A")});
  const Propose second = signed_proposal(0, 1, {bytes_of("B")});
  ASSERT_TRUE(witness->on_message(0, encode(first), out));
  ASSERT_EQ(out.sends.size(), 1u);
  EXPECT_EQ(out.sends[0].to, 0u);
  const Ack ack = std::get<Ack>(*decode(*out.sends[0].bytes, config.limits(), 4));
  EXPECT_EQ(ack.digest, merkle_root(first.batch));
  out.clear();
  EXPECT_EQ(witness->on_message(0, encode(second), out).code(), Errc::equivocation);
  EXPECT_TRUE(out.sends.empty());
  ASSERT_TRUE(witness->on_message(0, encode(first), out));  // a retransmission: acked again
  EXPECT_EQ(out.sends.size(), 1u);
  out.clear();

  // Restart with the same store: the vote is remembered.
  witness = *EchoNode::create(config, 1, keys_of(1), store);
  EXPECT_EQ(witness->on_message(0, encode(second), out).code(), Errc::equivocation);
  EXPECT_TRUE(out.sends.empty());
  // Amnesia (a fresh store, a Byzantine fault): it would vote again.
  witness = *EchoNode::create(config, 1, keys_of(1), std::make_shared<MemoryVoteStore>());
  EXPECT_TRUE(witness->on_message(0, encode(second), out));
  EXPECT_EQ(out.sends.size(), 1u);
}

TEST(EchoNode, ARestartedSenderContinuesAfterItsHighestSequence) {
  Bus bus(Mode::signed_echo, 4, 1);
  Effects out;
  ASSERT_TRUE(bus.nodes[0]->broadcast({bytes_of("a")}, out));
  ASSERT_TRUE(bus.nodes[0]->broadcast({bytes_of("b")}, out));
  bus.absorb(0, out);
  bus.nodes[0] = bus.make(Mode::signed_echo, 0, bus.stores[0]);
  const Result<InstanceId> third = bus.nodes[0]->broadcast({bytes_of("c")}, out);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->sequence, 3u);
}

TEST(EchoNode, RefusesForgedProposalsAndAcks) {
  const ClusterConfig config = testing::config_of(4, 1);
  auto witness = *EchoNode::create(config, 1, keys_of(1), std::make_shared<MemoryVoteStore>());
  Effects out;
  Propose forged = signed_proposal(0, 1, {bytes_of("A")});
  forged.batch = {bytes_of("B")};  // the signature covers A's root
  EXPECT_EQ(witness->on_message(0, encode(forged), out).code(), Errc::bad_signature);
  Propose by_other_key = signed_proposal(2, 1, {bytes_of("A")});
  by_other_key.instance.sender = 0;  // node 2's signature claimed as node 0's
  EXPECT_EQ(witness->on_message(2, encode(by_other_key), out).code(), Errc::bad_signature);
  EXPECT_TRUE(out.sends.empty());

  // Acks for an instance the node never sent.
  const Bytes ack = encode(Ack{{7, 1, 1}, Digest{}, 2, Signature{}});
  EXPECT_EQ(witness->on_message(2, ack, out).code(), Errc::rejected);
}

TEST(EchoNode, ACommitWithABadCertificateChangesNothing) {
  Bus bus(Mode::signed_echo, 4, 1);
  const std::vector<Bytes> batch{bytes_of("payload")};
  const InstanceId id{7, 0, 1};
  const Digest root = merkle_root(batch);
  const Signature own = keys_of(3).sign(make_statement(Domain::acknowledge, id, root));
  const Commit doubled{id, root, batch, Certificate{{{3, own}, {3, own}, {3, own}}}};
  Effects out;
  EXPECT_EQ(bus.nodes[1]->on_message(3, encode(doubled), out).code(), Errc::bad_signature);
  EXPECT_TRUE(out.sends.empty());
  EXPECT_TRUE(out.deliveries.empty());
  Commit mismatched{id, root, {bytes_of("not the certified batch")}, Certificate{}};
  EXPECT_EQ(bus.nodes[1]->on_message(3, encode(mismatched), out).code(), Errc::malformed_record);
  EXPECT_TRUE(out.sends.empty());
  Certificate good;
  for (NodeId w : {0u, 2u, 3u}) good.signatures.push_back({w, keys_of(w).sign(make_statement(Domain::acknowledge, id, root))});
  ASSERT_TRUE(bus.nodes[1]->on_message(3, encode(Commit{id, root, batch, good}), out));
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(out.deliveries[0].batch, batch);
  // Relayed to the nodes not known to have it (0 and 2), `have` to 3.
  EXPECT_EQ(out.sends.size(), 3u);
  out.clear();
  // The same instance again (other signature bytes are the same instance):
  // no second delivery; a conflicting root is equivocation.
  ASSERT_TRUE(bus.nodes[1]->on_message(0, encode(Commit{id, root, batch, good}), out));
  EXPECT_TRUE(out.deliveries.empty());
  const std::vector<Bytes> other{bytes_of("other")};
  EXPECT_EQ(bus.nodes[1]->on_message(0, encode(Commit{id, merkle_root(other), other, good}), out).code(), Errc::equivocation);
}

TEST(EchoNode, ABatchIsDeliveredWholeAndEachMessageProvable) {
  Bus bus(Mode::signed_echo, 4, 1);
  std::vector<Bytes> batch;
  for (std::uint64_t i = 0; i < 100; ++i) batch.push_back(testing::numbered("msg ", i));
  Effects out;
  ASSERT_TRUE(bus.nodes[2]->broadcast(batch, out));
  bus.absorb(2, out);
  bus.run();
  for (NodeId node = 0; node < 4; ++node) {
    ASSERT_EQ(bus.delivered[node].size(), 1u);
    const Delivery& d = bus.delivered[node][0];
    EXPECT_EQ(d.batch, batch);
    for (std::size_t i = 0; i < batch.size(); i += 17) {
      EXPECT_TRUE(merkle_verify(d.digest, batch[i], *merkle_prove(d.batch, i)));
    }
  }
}

}  // namespace
}  // namespace missive::bft
