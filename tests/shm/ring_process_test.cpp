// Rings between fork()ed processes, the descriptors handed over with SCM_RIGHTS:
// ordering and integrity, read-only enforcement, TOCTOU, peer death.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "missive/platform/mapping.hpp"
#include "missive/platform/memfd.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/unix_socket.hpp"
#include "ring_test_support.hpp"

namespace missive::shm {
namespace {

using namespace std::chrono_literals;
using missive::testing::Child;
using testing::Access;
using testing::hand_over;
using testing::make_message;
using testing::matches;
using testing::take_over;

constexpr std::uint64_t kMessages = 20000;

std::size_t size_of(std::mt19937_64& rng, std::size_t max) { return static_cast<std::size_t>(rng() % (max + 1)); }

// Sends kMessages of random sizes (seeded) and closes. 0 on success.
int run_sender(RingSender& sender) {
  std::mt19937_64 sizes(7);
  for (std::uint64_t i = 0; i < kMessages; ++i) {
    if (!sender.send(make_message(i, size_of(sizes, 1500)), Deadline::after(10s))) return 10;
  }
  sender.close();
  return 0;
}

// Receives and checks kMessages, then expects closed. 0 on success.
int run_receiver(RingReceiver& receiver) {
  std::mt19937_64 sizes(7);
  std::vector<std::byte> got;
  for (std::uint64_t i = 0; i < kMessages; ++i) {
    if (!receiver.recv(got, Deadline::after(10s))) return 20;
    if (!matches(i, got, size_of(sizes, 1500))) return 21;
  }
  return receiver.recv(got, Deadline::after(10s)).code() == Errc::closed ? 0 : 22;
}

// Property: across processes, every message arrives once, in order, intact;
// then closed. Both directions of creation (parent sends / child sends).
TEST(RingProcess, FifoAndIntegrityParentToChild) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto receiver = take_over(pair->second);
    if (!receiver) return 30;
    return run_receiver(*receiver);
  });
  pair->second.reset();
  auto sender = RingSender::create(RingConfig{8192, 0});
  ASSERT_TRUE(sender);
  ASSERT_TRUE(hand_over(pair->first, *sender));
  sender->drop_fds();
  EXPECT_EQ(run_sender(*sender), 0);
  const platform::ExitStatus status = child.wait();
  EXPECT_TRUE(status.exited_normally());
  EXPECT_EQ(status.code, 0);
}

TEST(RingProcess, FifoAndIntegrityChildToParent) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto sender = RingSender::create(RingConfig{8192, 0}, WaitPolicy{WaitStrategy::park, 0, {}});
    if (!sender || !hand_over(pair->second, *sender)) return 40;
    return run_sender(*sender);
  });
  pair->second.reset();
  auto receiver = take_over(pair->first, WaitPolicy{WaitStrategy::park, 0, {}});
  ASSERT_TRUE(receiver) << receiver.error().message();
  EXPECT_EQ(run_receiver(*receiver), 0);
  EXPECT_TRUE(child.succeeded());
}

// Property: the receiver cannot change the sender's data segment. Its mapping
// is read-only (a store faults), and the kernel refuses it a writable mapping,
// write(2) or mprotect because the segment is sealed future_write.
TEST(RingProcess, ReceiverCannotWriteTheDataSegment) {
  auto sender = RingSender::create(4096);
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->try_send(make_message(1, 16)));
  auto data_fd = sender->data_fd().duplicate();
  ASSERT_TRUE(data_fd);
  EXPECT_EQ(platform::Mapping::map(*data_fd, 4096, platform::Access::read_write).code(), Errc::permission_denied);
  EXPECT_EQ(::pwrite(data_fd->get(), "x", 1, 0), -1);

  auto receiver = RingReceiver::attach(std::move(*data_fd), *sender->control_fd().duplicate());
  ASSERT_TRUE(receiver);
  const std::span<const std::byte> seen = Access::receiver_data(*receiver);
  void* base = const_cast<std::byte*>(seen.data());
  EXPECT_NE(::mprotect(base, seen.size(), PROT_READ | PROT_WRITE), 0);

  auto child = Child::fork([&] {
    struct sigaction action {};
    action.sa_handler = [](int) { ::_exit(77); };
    ::sigaction(SIGSEGV, &action, nullptr);
    volatile std::byte* target = const_cast<std::byte*>(seen.data()) + detail::data_ring_offset;
    target[8] = std::byte{0xEE};  // the first payload byte of the message in the ring
    return 0;                     // reached only if the store succeeded
  });
  const platform::ExitStatus status = child.wait();
  EXPECT_TRUE((status.exited_normally() && status.code == 77) || status.signal == SIGSEGV)
      << "code " << status.code << " signal " << status.signal;
  std::vector<std::byte> got;
  ASSERT_TRUE(receiver->try_recv(got));
  EXPECT_TRUE(matches(1, got, 16));
}

// The TOCTOU scenario. A hostile sender sends checksummed messages and then
// keeps flipping payload bytes of every record still in the ring, while the
// receiver copies, validates (checksum) and, a moment later, re-checks its copy.
// Property: a message the receiver accepted never changes after recv returned.
// The test also counts how often the SHARED bytes of an accepted message changed
// during that moment: each such case would have failed with a zero-copy view,
// which shows the test can fail.
struct ToctouCounts {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t changed_after_accept = 0;  // must stay 0
  std::uint64_t view_would_have_changed = 0;
  std::uint64_t errors = 0;
};

constexpr std::uint64_t kToctouMessages = 3000;
constexpr std::size_t kToctouPayload = 256;
constexpr std::size_t kToctouSize = 8 + kToctouPayload + 4;  // [seq u64][payload][fnv1a of seq+payload u32]

void scribble(std::byte* ring, std::uint64_t at, std::mt19937_64& rng) {
  std::atomic_ref<std::byte>(ring[at]).store(static_cast<std::byte>(rng() | 1), std::memory_order_relaxed);
}

int run_hostile_sender(RingSender& sender) {
  std::byte* ring = Access::ring(sender);
  const std::uint64_t mask = sender.capacity() - 1;
  const std::size_t in_ring = sender.capacity() / detail::record_size(kToctouSize);
  std::mt19937_64 rng(99);
  struct Sent {
    std::uint64_t end;         // producer index just past the record
    std::uint64_t payload_at;  // ring offset of its payload
  };
  std::vector<Sent> recent;  // the records whose bytes are still in the ring
  // Scribbles on records the receiver already consumed (never on record headers).
  const auto scribble_consumed = [&](int flips) {
    const std::uint64_t head = Access::head(sender);
    std::size_t consumed = 0;
    while (consumed < recent.size() && recent[consumed].end <= head) ++consumed;
    for (int flip = 0; consumed != 0 && flip < flips; ++flip) {
      scribble(ring, recent[rng() % consumed].payload_at + rng() % kToctouSize, rng);
    }
  };
  const Deadline deadline = Deadline::after(20s);
  for (std::uint64_t i = 0; i < kToctouMessages; ++i) {
    std::vector<std::byte> message = make_message(i, kToctouSize);
    const std::uint32_t sum = testing::fnv1a(std::span(message).first(8 + kToctouPayload));
    std::memcpy(message.data() + 8 + kToctouPayload, &sum, 4);
    // While the ring is full (the receiver is busy acting on what it accepted),
    // hammer what it already took.
    for (;;) {
      const Status s = sender.try_send(message);
      if (s) break;
      if (s.code() != Errc::would_block || deadline.expired()) return 50;
      scribble_consumed(16);
    }
    const std::uint64_t end = Access::tail(sender);
    recent.push_back({end, ((end - detail::record_size(kToctouSize)) & mask) + detail::record_header_size});
    if (recent.size() > in_ring) recent.erase(recent.begin());
    // Now and then tear a record before the receiver reads it: validation must reject it.
    if (i % 8 == 0) scribble(ring, recent.back().payload_at + rng() % kToctouSize, rng);
  }
  // Keep scribbling while the receiver re-checks the last messages, then close.
  for (int round = 0; round < 2000; ++round) scribble_consumed(10);
  sender.close();
  return 0;
}

ToctouCounts run_validating_receiver(RingReceiver& receiver) {
  ToctouCounts counts;
  const std::span<const std::byte> shared = Access::receiver_data(receiver);
  const std::uint64_t mask = receiver.capacity() - 1;
  std::vector<std::byte> got;
  std::vector<std::byte> view_after(kToctouSize);
  for (;;) {
    const Status s = receiver.recv(got, Deadline::after(10s));
    if (s.code() == Errc::closed) break;
    if (!s || got.size() != kToctouSize) {
      ++counts.errors;
      break;
    }
    std::uint32_t sum = 0;
    std::memcpy(&sum, got.data() + 8 + kToctouPayload, 4);
    if (testing::fnv1a(std::span(got).first(8 + kToctouPayload)) != sum) {
      ++counts.rejected;  // torn by the scribbler before we copied it: validation catches it
      continue;
    }
    ++counts.accepted;
    // Where the message sat in the shared ring (the record just consumed).
    const std::uint64_t head = Access::control(receiver).head.load(std::memory_order_relaxed);
    const std::uint64_t payload_at =
        detail::data_ring_offset + ((head - detail::record_size(kToctouSize)) & mask) + detail::record_header_size;
    // "Act on" the validated copy a little later, while the sender keeps scribbling.
    const std::vector<std::byte> validated = got;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    if (got != validated || testing::fnv1a(std::span(got).first(8 + kToctouPayload)) != sum) {
      ++counts.changed_after_accept;
    }
    std::memcpy(view_after.data(), shared.data() + payload_at, kToctouSize);
    if (view_after != validated) ++counts.view_would_have_changed;
  }
  return counts;
}

TEST(RingProcess, ToctouHostileSenderInChild) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto sender = RingSender::create(RingConfig{8192, 0}, WaitPolicy{WaitStrategy::spin_then_park, 64, {}});
    if (!sender || !hand_over(pair->second, *sender)) return 60;
    return run_hostile_sender(*sender);
  });
  pair->second.reset();
  auto receiver = take_over(pair->first);
  ASSERT_TRUE(receiver);
  const ToctouCounts counts = run_validating_receiver(*receiver);
  EXPECT_TRUE(child.succeeded());
  EXPECT_EQ(counts.changed_after_accept, 0u);
  EXPECT_EQ(counts.errors, 0u);
  EXPECT_EQ(counts.accepted + counts.rejected, kToctouMessages);
  EXPECT_GT(counts.accepted, 0u);
  EXPECT_GT(counts.view_would_have_changed, 0u);  // the scribbler did hit accepted messages
  RecordProperty("accepted", std::to_string(counts.accepted));
  RecordProperty("rejected", std::to_string(counts.rejected));
  RecordProperty("view_would_have_changed", std::to_string(counts.view_would_have_changed));
}

TEST(RingProcess, ToctouHostileSenderInParent) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto receiver = take_over(pair->second);
    if (!receiver) return 70;
    const ToctouCounts counts = run_validating_receiver(*receiver);
    if (counts.changed_after_accept != 0) return 71;
    if (counts.errors != 0) return 72;
    if (counts.accepted == 0 || counts.view_would_have_changed == 0) return 74;
    return counts.accepted + counts.rejected == kToctouMessages ? 0 : 73;
  });
  pair->second.reset();
  auto sender = RingSender::create(RingConfig{8192, 0}, WaitPolicy{WaitStrategy::spin_then_park, 64, {}});
  ASSERT_TRUE(sender);
  ASSERT_TRUE(hand_over(pair->first, *sender));
  EXPECT_EQ(run_hostile_sender(*sender), 0);
  const platform::ExitStatus status = child.wait();
  EXPECT_EQ(status.code, 0);
  EXPECT_TRUE(status.exited_normally());
}

// Property: a sender killed with SIGKILL (no close) is noticed: the receiver
// gets everything published before the death, then peer_died, well before
// its deadline.
TEST(RingProcess, SenderDeathIsPeerDiedAfterDraining) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto sender = RingSender::create(4096);
    if (!sender || !hand_over(pair->second, *sender)) return 80;
    for (std::uint64_t i = 0; i < 3; ++i) {
      if (!sender->try_send(make_message(i, 40))) return 81;
    }
    ::raise(SIGKILL);
    return 82;
  });
  pair->second.reset();
  auto receiver = take_over(pair->first, WaitPolicy{WaitStrategy::spin_then_park, 64, 10ms});
  ASSERT_TRUE(receiver);
  receiver->watch_peer(*child.pidfd().duplicate());
  std::vector<std::byte> got;
  for (std::uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(receiver->recv(got, Deadline::after(10s)));
    EXPECT_TRUE(matches(i, got, 40));
  }
  const auto start = Clock::now();
  EXPECT_EQ(receiver->recv(got, Deadline::after(10s)).code(), Errc::peer_died);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(receiver->check_peer().code(), Errc::peer_died);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

// Property: a sender blocked on a full ring whose receiver was killed gets
// peer_died instead of hanging.
TEST(RingProcess, ReceiverDeathIsPeerDiedForABlockedSender) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto receiver = take_over(pair->second);
    if (!receiver) return 90;
    std::vector<std::byte> got;
    if (!receiver->recv(got, Deadline::after(10s))) return 91;  // one message, then die
    ::raise(SIGKILL);
    return 92;
  });
  pair->second.reset();
  auto sender = RingSender::create(RingConfig{4096, 0}, WaitPolicy{WaitStrategy::park, 0, 10ms});
  ASSERT_TRUE(sender);
  ASSERT_TRUE(hand_over(pair->first, *sender));
  sender->watch_peer(*child.pidfd().duplicate());
  const auto start = Clock::now();
  Status s = ok();
  for (std::uint64_t i = 0; s; ++i) s = sender->send(make_message(i, 1000), Deadline::after(10s));
  EXPECT_EQ(s.code(), Errc::peer_died);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

}  // namespace
}  // namespace missive::shm
