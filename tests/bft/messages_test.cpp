// The wire messages: round trips and the strict decoder.
#include <gtest/gtest.h>

#include "missive/bft/fuzz_entry.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/messages.hpp"
#include "missive/bft/sim/rng.hpp"
#include "missive/bft/statement.hpp"
#include "missive/wire/record_writer.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

using testing::bytes_of;

constexpr std::uint32_t max_signers = 4;
const BroadcastLimits limits{.max_batch_messages = 8, .max_message_bytes = 100, .max_batch_bytes = 300};

Result<WireMessage> decode_test(std::span<const std::byte> bytes) { return decode(bytes, limits, max_signers); }

Signature signature_of(int fill) {
  Signature s{};
  s.fill(static_cast<std::byte>(fill));
  return s;
}

std::vector<WireMessage> one_of_each() {
  const InstanceId id{3, 2, 9};
  Digest d{};
  d.fill(std::byte{0x11});
  const std::vector<Bytes> batch{bytes_of("hello"), bytes_of(""), bytes_of("world")};
  return {
      Propose{id, batch, signature_of(1)},
      Ack{id, d, 3, signature_of(2)},
      Commit{id, d, batch, Certificate{{{0, signature_of(3)}, {1, signature_of(4)}, {3, signature_of(5)}}}},
      Have{id, d},
      BrachaSend{id, batch},
      BrachaEcho{id, batch},
      BrachaReady{id, d},
  };
}

bool same(const WireMessage& a, const WireMessage& b) { return encode(a) == encode(b); }

TEST(Messages, EveryKindRoundTrips) {
  for (const WireMessage& m : one_of_each()) {
    const Bytes bytes = encode(m);
    const Result<WireMessage> back = decode_test(bytes);
    ASSERT_TRUE(back) << static_cast<int>(kind_of(m)) << " " << back.error().message();
    EXPECT_EQ(kind_of(*back), kind_of(m));
    EXPECT_EQ(instance_of(*back), instance_of(m));
    EXPECT_TRUE(same(*back, m));
  }
  const Commit c = std::get<Commit>(*decode_test(encode(one_of_each()[2])));
  ASSERT_EQ(c.certificate.signatures.size(), 3u);
  EXPECT_EQ(c.certificate.signatures[2].witness, 3u);
  EXPECT_EQ(c.certificate.signatures[2].signature, signature_of(5));
  EXPECT_EQ(c.batch[0], bytes_of("hello"));
  EXPECT_TRUE(c.batch[1].empty());
}

TEST(Messages, EveryTruncationIsRefused) {
  for (const WireMessage& m : one_of_each()) {
    const Bytes bytes = encode(m);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_FALSE(decode_test(std::span<const std::byte>(bytes).first(cut)))
          << "kind " << static_cast<int>(kind_of(m)) << " cut at " << cut;
    }
  }
}

TEST(Messages, RandomMutationsNeverCrashAndNeverDecodeToAnUnlimitedMessage) {
  // Property: any byte string either decodes within the limits or is refused.
  sim::Rng rng(99);
  for (const WireMessage& m : one_of_each()) {
    const Bytes original = encode(m);
    for (int round = 0; round < 2000; ++round) {
      Bytes bytes = original;
      for (std::uint64_t k = 0, flips = 1 + rng.below(4); k < flips; ++k) {
        bytes[rng.below(bytes.size())] = static_cast<std::byte>(rng.next());
      }
      const Result<WireMessage> got = decode_test(bytes);
      if (!got) continue;
      std::visit(
          [](const auto& msg) {
            if constexpr (requires { msg.batch; }) {
              EXPECT_FALSE(msg.batch.empty());
              EXPECT_LE(msg.batch.size(), limits.max_batch_messages);
            }
          },
          *got);
      EXPECT_GE(instance_of(*got).sequence, 1u);
    }
  }
}

Bytes header(MessageKind kind, std::uint64_t version = protocol_version, std::uint64_t sequence = 1) {
  RecordWriter w;
  w.add_u64(1, static_cast<std::uint64_t>(kind)).add_u64(2, version).add_u64(3, 1).add_u64(4, 0).add_u64(5, sequence);
  return std::move(w).take();
}

Bytes with(Bytes base, const RecordWriter& extra) {
  base.insert(base.end(), extra.bytes().begin(), extra.bytes().end());
  return base;
}

TEST(Messages, RefusesWrongHeaders) {
  RecordWriter digest;
  digest.add_bytes(6, std::vector<std::byte>(32));
  EXPECT_TRUE(decode_test(with(header(MessageKind::have), digest)));
  EXPECT_EQ(decode_test(with(header(MessageKind::have, 2), digest)).code(), Errc::unsupported_version);
  EXPECT_EQ(decode_test(with(header(MessageKind::have, 1, 0), digest)).code(), Errc::malformed_record);
  EXPECT_EQ(decode_test(with(header(static_cast<MessageKind>(8)), digest)).code(), Errc::malformed_record);
  EXPECT_EQ(decode_test(with(header(static_cast<MessageKind>(0)), digest)).code(), Errc::malformed_record);
  EXPECT_EQ(decode_test(header(MessageKind::have)).code(), Errc::malformed_record);  // no digest
  EXPECT_EQ(decode_test(Bytes{}).code(), Errc::malformed_record);                    // no kind

  RecordWriter sender_too_big;
  sender_too_big.add_u64(1, 4).add_u64(2, 1).add_u64(3, 1).add_u64(4, 1ull << 32).add_u64(5, 1);
  EXPECT_EQ(decode_test(with(std::move(sender_too_big).take(), digest)).code(), Errc::malformed_record);
  RecordWriter signed_epoch;
  signed_epoch.add_u64(1, 4).add_u64(2, 1).add_i64(3, 1).add_u64(4, 0).add_u64(5, 1);
  EXPECT_EQ(decode_test(with(std::move(signed_epoch).take(), digest)).code(), Errc::wrong_type);
}

TEST(Messages, RefusesRepeatedMisSizedAndForeignFields) {
  RecordWriter two_digests;
  two_digests.add_bytes(6, std::vector<std::byte>(32)).add_bytes(6, std::vector<std::byte>(32));
  EXPECT_EQ(decode_test(with(header(MessageKind::have), two_digests)).code(), Errc::malformed_record);
  RecordWriter short_digest;
  short_digest.add_bytes(6, std::vector<std::byte>(31));
  EXPECT_EQ(decode_test(with(header(MessageKind::have), short_digest)).code(), Errc::malformed_record);
  RecordWriter foreign;  // a have carrying a signature
  foreign.add_bytes(6, std::vector<std::byte>(32)).add_bytes(8, std::vector<std::byte>(64));
  EXPECT_EQ(decode_test(with(header(MessageKind::have), foreign)).code(), Errc::malformed_record);
  RecordWriter short_signature;
  short_signature.add_bytes(7, bytes_of("m")).add_bytes(8, std::vector<std::byte>(63)).add_u64(11, 1);
  EXPECT_EQ(decode_test(with(header(MessageKind::propose), short_signature)).code(), Errc::malformed_record);
  RecordWriter unknown_tag;  // unknown tags are skipped: newer peers may add fields
  unknown_tag.add_bytes(6, std::vector<std::byte>(32)).add_string(40, "future");
  EXPECT_TRUE(decode_test(with(header(MessageKind::have), unknown_tag)));
}

TEST(Messages, EnforcesBatchAndCertificateLimits) {
  auto propose_with = [](std::size_t messages, std::size_t size) {
    RecordWriter w;
    for (std::size_t i = 0; i < messages; ++i) w.add_bytes(7, std::vector<std::byte>(size));
    w.add_bytes(8, std::vector<std::byte>(64)).add_u64(11, messages);
    return with(header(MessageKind::propose), w);
  };
  EXPECT_TRUE(decode_test(propose_with(3, 100)));
  EXPECT_EQ(decode_test(propose_with(1, 101)).code(), Errc::too_large);   // one message too big
  EXPECT_EQ(decode_test(propose_with(4, 100)).code(), Errc::too_large);   // batch bytes
  EXPECT_EQ(decode_test(propose_with(9, 1)).code(), Errc::too_large);     // batch count
  EXPECT_EQ(decode_test(propose_with(0, 1)).code(), Errc::malformed_record);  // empty batch

  auto commit_with = [](std::size_t signers, bool well_formed) {
    RecordWriter w;
    w.add_bytes(6, std::vector<std::byte>(32)).add_bytes(7, bytes_of("m"));
    for (std::size_t i = 0; i < signers; ++i) {
      w.add_record(10, [&](RecordWriter& s) {
        s.add_u64(1, i);
        if (well_formed) s.add_bytes(2, std::vector<std::byte>(64));
      });
    }
    w.add_u64(11, 1).add_u64(12, signers);
    return with(header(MessageKind::commit), w);
  };
  EXPECT_TRUE(decode_test(commit_with(4, true)));
  RecordWriter miscounted;  // a batch of one that claims two
  miscounted.add_bytes(7, bytes_of("m")).add_bytes(8, std::vector<std::byte>(64)).add_u64(11, 2);
  EXPECT_EQ(decode_test(with(header(MessageKind::propose), miscounted)).code(), Errc::malformed_record);
  EXPECT_EQ(decode_test(commit_with(5, true)).code(), Errc::too_large);
  EXPECT_EQ(decode_test(commit_with(2, false)).code(), Errc::malformed_record);
  // A commit whose signer count (its last field, one byte) claims one more signer than it has.
  Commit fewer = std::get<Commit>(one_of_each()[2]);
  fewer.certificate.signatures.pop_back();
  Bytes miscounted_signers = encode(fewer);
  ASSERT_EQ(miscounted_signers.back(), std::byte{2});
  miscounted_signers.back() = std::byte{3};
  EXPECT_EQ(decode_test(miscounted_signers).code(), Errc::malformed_record);
}

}  // namespace
}  // namespace missive::bft

namespace missive::bft {
namespace {

// Property: fuzz_decoders never aborts on valid messages, their truncations,
// or random mutations of them (what a fuzzer's first minutes look like).
TEST(FuzzEntry, SurvivesValidTruncatedAndMutatedMessages) {
  sim::Rng rng(7);
  std::vector<Bytes> seeds;
  for (const WireMessage& m : one_of_each()) seeds.push_back(encode(m));
  const std::vector<Bytes> batch{bytes_of("a"), bytes_of("b"), bytes_of("c")};
  seeds.push_back(merkle_prove(batch, 2)->encode());
  for (const Bytes& seed : seeds) {
    fuzz_decoders(seed);
    for (std::size_t cut = 0; cut < seed.size(); cut += 3) fuzz_decoders(std::span<const std::byte>(seed).first(cut));
    for (int round = 0; round < 300; ++round) {
      Bytes bytes = seed;
      bytes[rng.below(bytes.size())] = static_cast<std::byte>(rng.next());
      fuzz_decoders(bytes);
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace missive::bft
