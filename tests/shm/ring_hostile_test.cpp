// A hostile (or broken) peer: descriptors and segments that lie. Property for
// every case: a clear error code, never a crash, an out-of-range read (ASan
// watches) or a message that was not sent.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <vector>

#include "missive/platform/mapping.hpp"
#include "missive/platform/memfd.hpp"
#include "ring_test_support.hpp"

namespace missive::shm {
namespace {

using namespace std::chrono_literals;
using testing::Access;
using testing::make_message;
using testing::make_pair;
using testing::matches;

Result<RingReceiver> attach_to(const RingSender& sender) {
  return RingReceiver::attach(*sender.data_fd().duplicate(), *sender.control_fd().duplicate());
}

// A header field rewritten by the sender before the receiver attaches.
template <class Mutate>
Errc attach_after(Mutate mutate) {
  auto sender = RingSender::create(4096);
  EXPECT_TRUE(sender);
  mutate(Access::data(*sender).header);
  return attach_to(*sender).code();
}

TEST(RingHostile, CorruptedDataHeaderIsRefusedAtAttach) {
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.magic ^= 1; }), Errc::bad_magic);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.version = 2; }), Errc::unsupported_version);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.ring_offset = 64; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.capacity = 4095; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.capacity = 0; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.capacity = std::uint64_t{1} << 40; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.capacity = 8192; }), Errc::truncated);  // beyond the segment
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.max_message = 4096; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.max_message = ~std::uint64_t{0}; }), Errc::corrupted);
  EXPECT_EQ(attach_after([](detail::DataHeader& h) { h.session ^= 1; }), Errc::invalid_argument);
}

TEST(RingHostile, DescriptorsThatAreNotSealedMemfdsAreRefused) {
  auto sender = RingSender::create(4096);
  ASSERT_TRUE(sender);
  // A pipe.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  platform::Fd pipe_write(fds[1]);
  EXPECT_EQ(RingReceiver::attach(platform::Fd(fds[0]), *sender->control_fd().duplicate()).code(),
            Errc::invalid_argument);
  // A memfd its creator could still shrink under our mapping (SIGBUS on access).
  platform::Fd unsealed(::memfd_create("missive-unsealed", MFD_CLOEXEC));
  ASSERT_TRUE(unsealed);
  ASSERT_EQ(::ftruncate(unsealed.get(), 1 << 16), 0);
  EXPECT_EQ(RingReceiver::attach(std::move(unsealed), *sender->control_fd().duplicate()).code(),
            Errc::invalid_argument);
  // A sealed memfd too small for the header.
  auto tiny = platform::create_memfd("missive-tiny", 64);
  ASSERT_TRUE(tiny);
  EXPECT_EQ(RingReceiver::attach(std::move(*tiny), *sender->control_fd().duplicate()).code(), Errc::truncated);
  // Missing descriptors.
  EXPECT_EQ(RingReceiver::attach(platform::Fd(), platform::Fd()).code(), Errc::invalid_argument);
  // Data and control swapped.
  EXPECT_NE(RingReceiver::attach(*sender->control_fd().duplicate(), *sender->data_fd().duplicate()).code(), Errc::ok);
}

TEST(RingHostile, SegmentsOfDifferentRingsAndSecondReceiversAreRefused) {
  auto a = RingSender::create(4096);
  auto b = RingSender::create(4096);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(RingReceiver::attach(*a->data_fd().duplicate(), *b->control_fd().duplicate()).code(),
            Errc::invalid_argument);
  auto first = attach_to(*a);
  ASSERT_TRUE(first);
  EXPECT_EQ(attach_to(*a).code(), Errc::invalid_argument);  // one receiver per ring
}

// Property: the header is read once; rewriting it after attach changes nothing.
TEST(RingHostile, HeaderRewrittenAfterAttachIsIgnored) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  Access::data(sender).header.capacity = std::uint64_t{1} << 40;
  Access::data(sender).header.max_message = ~std::uint64_t{0};
  ASSERT_TRUE(sender.try_send(make_message(3, 100)));
  std::vector<std::byte> got;
  ASSERT_TRUE(receiver.try_recv(got));
  EXPECT_TRUE(matches(3, got, 100));
  EXPECT_EQ(receiver.capacity(), 4096u);
}

// Rewrites the header word of the next record the receiver will read.
void set_record_header(RingSender& sender, std::uint64_t ring_offset, std::uint64_t header) {
  detail::write_once(*reinterpret_cast<std::uint64_t*>(Access::ring(sender) + ring_offset), header);
}

TEST(RingHostile, RecordLengthBeyondThePublishedBytesIsCorrupted) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  ASSERT_TRUE(sender.try_send(make_message(0, 16)));
  set_record_header(sender, 0, detail::record_header(1000, detail::record_kind::message));  // only 24 published
  std::vector<std::byte> got;
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
  // Sticky: a broken ring stays broken, even for well-formed bytes later.
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
  std::vector<std::byte> buffer(4096);
  EXPECT_EQ(receiver.try_recv_into(buffer).code(), Errc::corrupted);
  EXPECT_EQ(receiver.recv(got, Deadline::after(1s)).code(), Errc::corrupted);
}

TEST(RingHostile, RecordLengthBeyondMaxMessageOrRingIsCorrupted) {
  for (const std::uint32_t length : {2041U, 4089U, 0xFFFFFFF0U, 0xFFFFFFFFU}) {
    auto [sender, receiver] = make_pair(RingConfig{4096, 0});
    ASSERT_TRUE(sender.try_send(make_message(0, 2000)));
    ASSERT_TRUE(sender.try_send(make_message(1, 2000)));
    set_record_header(sender, 0, detail::record_header(length, detail::record_kind::message));
    std::vector<std::byte> got;
    EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted) << length;
  }
}

TEST(RingHostile, UnknownRecordKindIsCorrupted) {
  auto [sender, receiver] = make_pair();
  ASSERT_TRUE(sender.try_send(make_message(0, 16)));
  set_record_header(sender, 0, 0);  // zeroed memory never parses
  std::vector<std::byte> got;
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
}

TEST(RingHostile, PaddingThatDoesNotEndTheRingIsCorrupted) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  ASSERT_TRUE(sender.try_send(make_message(0, 16)));
  set_record_header(sender, 0, detail::record_header(16, detail::record_kind::padding));
  std::vector<std::byte> got;
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
}

TEST(RingHostile, PaddingChainsAreCorrupted) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  // Fill to the end, consume, so that the next message wraps behind a padding record.
  ASSERT_TRUE(sender.try_send(make_message(0, 2000)));
  ASSERT_TRUE(sender.try_send(make_message(1, 1000)));
  std::vector<std::byte> got;
  ASSERT_TRUE(receiver.try_recv(got));
  ASSERT_TRUE(receiver.try_recv(got));
  ASSERT_TRUE(sender.try_send(make_message(2, 2000)));  // pads 3016..4095, lands at 0
  // A second padding at offset 0 (covering the whole ring) would loop the receiver forever.
  set_record_header(sender, 0, detail::record_header(4096 - 8, detail::record_kind::padding));
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
}

TEST(RingHostile, ProducerIndexBeyondTheRingOrBackwardsIsCorrupted) {
  {
    auto [sender, receiver] = make_pair(RingConfig{4096, 0});
    Access::data(sender).tail.store(4096 + 8, std::memory_order_release);  // more than a ring ahead
    std::vector<std::byte> got;
    EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
  }
  {
    auto [sender, receiver] = make_pair(RingConfig{4096, 0});
    ASSERT_TRUE(sender.try_send(make_message(0, 64)));
    ASSERT_TRUE(sender.try_send(make_message(1, 64)));
    std::vector<std::byte> got;
    ASSERT_TRUE(receiver.try_recv(got));
    ASSERT_TRUE(receiver.try_recv(got));
    Access::data(sender).tail.store(8, std::memory_order_release);  // behind the receiver
    EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
  }
  {
    auto [sender, receiver] = make_pair(RingConfig{4096, 0});
    Access::data(sender).tail.store(12, std::memory_order_release);  // not a whole record
    std::vector<std::byte> got;
    EXPECT_EQ(receiver.try_recv(got).code(), Errc::corrupted);
  }
}

// The sender distrusts the receiver the same way.
TEST(RingHostile, ConsumerIndexBeyondTheProducerIsCorruptedForTheSender) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  const std::vector<std::byte> message = make_message(0, 1000);
  while (sender.try_send(message)) {
  }
  Access::control(receiver).head.store(1 << 20, std::memory_order_release);
  EXPECT_EQ(sender.try_send(message).code(), Errc::corrupted);
  EXPECT_EQ(sender.send(message, Deadline::after(1s)).code(), Errc::corrupted);
}

// Property: whatever garbage the sender publishes, the receiver returns only
// ok (with a message no larger than the limit), would_block, closed or
// corrupted, and never reads outside the segment (ASan builds check that).
TEST(RingHostile, RandomGarbageNeverCrashesTheReceiver) {
  std::mt19937_64 rng(1234);
  int corrupted = 0;
  for (int round = 0; round < 300; ++round) {
    auto [sender, receiver] = make_pair(RingConfig{4096, 0});
    std::byte* ring = Access::ring(sender);
    for (int i = 0; i < 4096; i += 8) {
      std::uint64_t word = rng();
      if (rng() % 4 == 0) {  // plausible headers now and then
        const std::uint32_t kind = rng() % 2 == 0 ? detail::record_kind::message : detail::record_kind::padding;
        word = detail::record_header(static_cast<std::uint32_t>(rng() % 5000), kind);
      }
      std::memcpy(ring + i, &word, 8);
    }
    Access::data(sender).tail.store((rng() % 6000) & ~std::uint64_t{7}, std::memory_order_release);
    std::vector<std::byte> got;
    for (int step = 0; step < 50; ++step) {
      const Status s = receiver.try_recv(got);
      if (s) {
        ASSERT_LE(got.size(), receiver.max_message_size());
        continue;
      }
      ASSERT_TRUE(s.code() == Errc::would_block || s.code() == Errc::corrupted) << s.error().message();
      if (s.code() == Errc::corrupted) ++corrupted;
      break;
    }
  }
  EXPECT_GT(corrupted, 0);
}

}  // namespace
}  // namespace missive::shm
