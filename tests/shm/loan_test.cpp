// Zero-copy loans through a ring's pool: round trips across fork()ed
// processes, copy vs view semantics, exhaustion and return of buffers, hostile
// descriptors and pool headers, read-only enforcement, peer death.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "missive/platform/mapping.hpp"
#include "missive/platform/memfd.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/unix_socket.hpp"
#include "missive/shm/detail/pool_layout.hpp"
#include "ring_test_support.hpp"

namespace missive::shm::detail {

struct LoanTestAccess {
  // Publishes a raw record, as a hostile sender could.
  static Status publish_raw(RingSender& sender, std::uint32_t kind, std::span<const std::byte> payload) {
    return sender.try_publish(kind, payload);
  }
  static PoolHeader& pool_header(RingSender& sender) {
    return *reinterpret_cast<PoolHeader*>(sender.pool_map_.writable_bytes().data());
  }
  static std::span<const std::byte> receiver_pool(const RingReceiver& receiver) { return receiver.pool_map_.bytes(); }
};

}  // namespace missive::shm::detail

namespace missive::shm {
namespace {

using namespace std::chrono_literals;
using detail::LoanTestAccess;
using missive::testing::Child;
using testing::make_message;
using testing::matches;

RingConfig pool_config(std::size_t buffers, std::size_t buffer_bytes, std::size_t ring = 4096) {
  RingConfig config;
  config.capacity_bytes = ring;
  config.loan_buffers = buffers;
  config.loan_buffer_bytes = buffer_bytes;
  return config;
}

struct PoolPair {
  RingSender sender;
  RingReceiver receiver;
};

PoolPair make_pool_pair(const RingConfig& config) {
  auto sender = RingSender::create(config);
  EXPECT_TRUE(sender) << sender.error().message();
  auto receiver = RingReceiver::attach(*sender->data_fd().duplicate(), *sender->control_fd().duplicate(),
                                       *sender->pool_fd().duplicate());
  EXPECT_TRUE(receiver) << receiver.error().message();
  return PoolPair{std::move(*sender), std::move(*receiver)};
}

// Loans `message.size()` bytes, copies `message` in, sends it.
Status send_loaned(RingSender& sender, std::span<const std::byte> message) {
  auto loan = sender.loan(message.size());
  if (!loan) return loan.error();
  if (!message.empty()) std::memcpy(loan->bytes().data(), message.data(), message.size());
  return sender.send_loan(std::move(*loan), Deadline::after(10s));
}

Status hand_over3(const platform::Fd& socket, const RingSender& sender) {
  const int fds[] = {sender.data_fd().get(), sender.control_fd().get(), sender.pool_fd().get()};
  const std::byte tag[] = {std::byte{'P'}};
  return platform::send_fds(socket, tag, fds, Deadline::after(10s));
}

Result<RingReceiver> take_over3(const platform::Fd& socket) {
  std::array<std::byte, 4> payload{};
  auto got = platform::recv_fds(socket, payload, Deadline::after(10s));
  if (!got) return got.error();
  if (got->fds.size() != 3) return Error{Errc::invalid_argument, "expected three descriptors"};
  return RingReceiver::attach(std::move(got->fds[0]), std::move(got->fds[1]), std::move(got->fds[2]));
}

std::size_t size_of(std::mt19937_64& rng, std::size_t max) { return static_cast<std::size_t>(rng() % (max + 1)); }

constexpr std::uint64_t kLoanMessages = 4000;
constexpr std::size_t kBuffer = 64 * 1024;

// Property: across processes, loaned and inline messages interleaved arrive
// once, in order, intact, whether received as copies or as views; buffers
// cycle through a pool of 4 (so every one is reused ~1000 times), then closed.
TEST(Loan, RoundTripAcrossProcesses) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto receiver = take_over3(pair->second);
    if (!receiver) return 30;
    std::mt19937_64 sizes(11);
    std::vector<std::byte> got;
    for (std::uint64_t i = 0; i < kLoanMessages; ++i) {
      const std::size_t size = size_of(sizes, kBuffer);
      if (i % 2 == 0) {
        if (!receiver->recv(got, Deadline::after(10s))) return 31;
        if (!matches(i, got, size)) return 32;
      } else {
        auto view = receiver->recv_view(Deadline::after(10s));
        if (!view) return 33;
        if (!matches(i, view->bytes(), size)) return 34;
      }
    }
    if (receiver->views_outstanding() != 0) return 35;
    return receiver->recv(got, Deadline::after(10s)).code() == Errc::closed ? 0 : 36;
  });
  pair->second.reset();
  auto sender = RingSender::create(pool_config(4, kBuffer));
  ASSERT_TRUE(sender) << sender.error().message();
  ASSERT_TRUE(hand_over3(pair->first, *sender));
  sender->drop_fds();
  std::mt19937_64 sizes(11);
  const Deadline deadline = Deadline::after(20s);
  for (std::uint64_t i = 0; i < kLoanMessages; ++i) {
    const std::vector<std::byte> message = make_message(i, size_of(sizes, kBuffer));
    if (i % 5 == 4 && message.size() <= sender->max_message_size()) {  // some travel inline
      ASSERT_TRUE(sender->send(message, deadline));
      continue;
    }
    Status sent = send_loaned(*sender, message);
    while (sent.code() == Errc::would_block && !deadline.expired()) {  // pool exhausted: wait for returns
      std::this_thread::yield();
      sent = send_loaned(*sender, message);
    }
    ASSERT_TRUE(sent) << sent.error().message() << " at " << i;
  }
  sender->close();
  EXPECT_TRUE(child.succeeded());
}

// Property: recv() gives the receiver its own copy: a sender that keeps
// writing a buffer after sending it cannot change what recv() returned. A View
// is the shared buffer itself: the same write shows through it (documented:
// views are for trusted peers only).
TEST(Loan, CopyIsStableViewIsShared) {
  auto p = make_pool_pair(pool_config(4, 256));
  auto first = p.sender.loan(64);
  ASSERT_TRUE(first);
  std::memset(first->bytes().data(), 'A', 64);
  std::byte* const first_bytes = first->bytes().data();  // a hostile sender keeps the pointer
  ASSERT_TRUE(p.sender.try_send_loan(std::move(*first)));
  EXPECT_FALSE(first->valid());  // consumed by the send

  auto second = p.sender.loan(64);
  ASSERT_TRUE(second);
  std::memset(second->bytes().data(), 'B', 64);
  std::byte* const second_bytes = second->bytes().data();
  ASSERT_TRUE(p.sender.try_send_loan(std::move(*second)));

  std::vector<std::byte> copy;
  ASSERT_TRUE(p.receiver.try_recv(copy));
  std::memset(first_bytes, 'X', 64);  // after recv returned
  EXPECT_EQ(copy, std::vector<std::byte>(64, std::byte{'A'}));

  auto view = p.receiver.try_recv_view();
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->zero_copy());
  EXPECT_EQ(view->bytes()[0], std::byte{'B'});
  std::memset(second_bytes, 'Y', 64);  // the sender writes after sending...
  EXPECT_EQ(view->bytes()[0], std::byte{'Y'});  // ...and the view shows it
}

// Property: a pool of N buffers lends at most N; a buffer comes back when an
// unsent loan is dropped, when recv() copied it, and when a View is dropped,
// and never earlier.
TEST(Loan, ExhaustionAndReturn) {
  auto p = make_pool_pair(pool_config(3, 128));
  std::vector<Loan> loans;
  for (int i = 0; i < 3; ++i) {
    auto loan = p.sender.loan(100);
    ASSERT_TRUE(loan);
    loans.push_back(std::move(*loan));
  }
  EXPECT_EQ(p.sender.loan(1).code(), Errc::would_block);
  loans.pop_back();  // dropped unsent: back in the pool
  auto again = p.sender.loan(1);
  ASSERT_TRUE(again);
  loans.push_back(std::move(*again));

  for (Loan& loan : loans) ASSERT_TRUE(p.sender.try_send_loan(std::move(loan)));
  EXPECT_EQ(p.sender.loan(1).code(), Errc::would_block);  // all in flight

  std::vector<std::byte> copy;
  ASSERT_TRUE(p.receiver.try_recv(copy));  // copied out and returned at once
  auto one = p.sender.loan(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(p.sender.loan(1).code(), Errc::would_block);
  one->reset();

  auto v1 = p.receiver.try_recv_view();
  auto v2 = p.receiver.try_recv_view();
  ASSERT_TRUE(v1 && v2);
  EXPECT_EQ(p.receiver.views_outstanding(), 2U);
  auto held = p.sender.loan(1);  // the one returned by recv()
  ASSERT_TRUE(held);
  EXPECT_EQ(p.sender.loan(1).code(), Errc::would_block);  // the views still hold two
  v1->reset();
  EXPECT_EQ(p.receiver.views_outstanding(), 1U);
  EXPECT_TRUE(p.sender.loan(1));  // dropped at once (unsent)
  {
    View moved = std::move(*v2);  // moving a view does not return it
    EXPECT_EQ(p.receiver.views_outstanding(), 1U);
  }
  EXPECT_EQ(p.receiver.views_outstanding(), 0U);

  // Many cycles through a tiny pool: generations keep matching.
  held->reset();
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(send_loaned(p.sender, make_message(static_cast<std::uint64_t>(i), 100))) << i;
    auto view = p.receiver.try_recv_view();
    ASSERT_TRUE(view);
    ASSERT_TRUE(matches(static_cast<std::uint64_t>(i), view->bytes(), 100));
  }
}

TEST(Loan, LimitsAndMisuse) {
  auto p = make_pool_pair(pool_config(2, 100));
  EXPECT_EQ(p.sender.loan_buffer_size(), 128U);  // rounded up to 64
  EXPECT_EQ(p.sender.loan(129).code(), Errc::too_large);
  EXPECT_TRUE(p.sender.loan(128));

  auto plain = RingSender::create(4096);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->loan(1).code(), Errc::invalid_argument);
  EXPECT_FALSE(plain->pool_fd().valid());

  // A loan of another sender is refused and stays with the caller.
  auto foreign = p.sender.loan(8);
  ASSERT_TRUE(foreign);
  auto other = RingSender::create(pool_config(1, 64));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->try_send_loan(std::move(*foreign)).code(), Errc::invalid_argument);
  EXPECT_TRUE(foreign->valid());

  EXPECT_EQ(RingSender::create(pool_config(1, 0)).code(), Errc::invalid_argument);
  EXPECT_EQ(RingSender::create(pool_config(70000, 64)).code(), Errc::invalid_argument);
}

// Property: a send that fails leaves the loan with the caller, whole.
TEST(Loan, FailedSendKeepsTheLoan) {
  auto p = make_pool_pair(pool_config(512, 64));
  Status sent = ok();
  int sent_count = 0;
  Loan kept;
  while (sent) {
    auto loan = p.sender.loan(8);
    ASSERT_TRUE(loan);
    sent = p.sender.try_send_loan(std::move(*loan));
    if (sent) {
      ++sent_count;
    } else {
      kept = std::move(*loan);
    }
  }
  EXPECT_EQ(sent.code(), Errc::would_block);  // the 4 KiB ring is full of 24-byte loan records
  EXPECT_EQ(sent_count, 4096 / 24);
  ASSERT_TRUE(kept.valid());
  EXPECT_EQ(p.sender.send_loan(std::move(kept), Deadline::after(20ms)).code(), Errc::timed_out);
  ASSERT_TRUE(kept.valid());
  std::vector<std::byte> got;
  ASSERT_TRUE(p.receiver.try_recv(got));
  EXPECT_TRUE(p.sender.try_send_loan(std::move(kept)));
}

// Property: hostile descriptors never reach memory: an index beyond the pool,
// a length beyond a buffer, a loan record of the wrong size, and any loan on
// a ring attached without its pool are all `corrupted` (sticky).
TEST(Loan, HostileDescriptorsAreCorrupted) {
  const auto descriptor = [](std::uint32_t index, std::uint64_t length) {
    const detail::LoanDescriptor d{index, 1, length};
    std::vector<std::byte> bytes(sizeof d);
    std::memcpy(bytes.data(), &d, sizeof d);
    return bytes;
  };
  struct Case {
    const char* what;
    std::vector<std::byte> payload;
  };
  const std::vector<Case> cases = {
      {"index == count", descriptor(4, 8)},
      {"index huge", descriptor(0xFFFFFFFFU, 8)},
      {"length > buffer", descriptor(0, 257)},
      {"length huge", descriptor(1, ~std::uint64_t{0})},
      {"short record", std::vector<std::byte>(8)},
      {"long record", std::vector<std::byte>(24)},
  };
  for (const Case& c : cases) {
    for (bool as_view : {false, true}) {
      auto p = make_pool_pair(pool_config(4, 256));
      ASSERT_TRUE(LoanTestAccess::publish_raw(p.sender, detail::loan_record_kind, c.payload));
      if (as_view) {
        EXPECT_EQ(p.receiver.try_recv_view().code(), Errc::corrupted) << c.what;
      } else {
        std::vector<std::byte> got;
        EXPECT_EQ(p.receiver.try_recv(got).code(), Errc::corrupted) << c.what;
      }
      std::array<std::byte, 8> small{};
      EXPECT_EQ(p.receiver.try_recv_into(small).code(), Errc::corrupted) << c.what << " (sticky)";
    }
  }
  // A valid descriptor on a receiver that did not attach the pool.
  auto sender = RingSender::create(pool_config(4, 256));
  ASSERT_TRUE(sender);
  auto receiver = RingReceiver::attach(*sender->data_fd().duplicate(), *sender->control_fd().duplicate());
  ASSERT_TRUE(receiver);
  ASSERT_TRUE(send_loaned(*sender, make_message(1, 10)));
  std::vector<std::byte> got;
  EXPECT_EQ(receiver->try_recv(got).code(), Errc::corrupted);
}

// Property: attach validates the pool: header fields, seals, pairing with the ring.
TEST(Loan, AttachValidatesThePool) {
  const auto attach_with = [](RingSender& sender, platform::Fd pool) {
    return RingReceiver::attach(*sender.data_fd().duplicate(), *sender.control_fd().duplicate(), std::move(pool))
        .code();
  };
  {
    auto s = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(s);
    LoanTestAccess::pool_header(*s).magic ^= 1;
    EXPECT_EQ(attach_with(*s, *s->pool_fd().duplicate()), Errc::bad_magic);
  }
  {
    auto s = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(s);
    LoanTestAccess::pool_header(*s).version = 99;
    EXPECT_EQ(attach_with(*s, *s->pool_fd().duplicate()), Errc::unsupported_version);
  }
  for (auto corrupt : {+[](detail::PoolHeader& h) { h.buffer_count = 0; },
                       +[](detail::PoolHeader& h) { h.buffer_size = 100; },
                       +[](detail::PoolHeader& h) { h.buffer_size = 0; },
                       +[](detail::PoolHeader& h) { h.buffers_offset = 0; }}) {
    auto s = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(s);
    corrupt(LoanTestAccess::pool_header(*s));
    EXPECT_EQ(attach_with(*s, *s->pool_fd().duplicate()), Errc::corrupted);
  }
  {
    auto s = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(s);
    LoanTestAccess::pool_header(*s).buffer_count = 5;  // more buffers than the segment holds
    EXPECT_EQ(attach_with(*s, *s->pool_fd().duplicate()), Errc::truncated);
  }
  {
    auto s = RingSender::create(pool_config(4, 64 * 1024));
    ASSERT_TRUE(s);
    // 2048 buffers of 64 bytes fit the pool segment, but their returns[] do
    // not fit the control segment (one page, sized for 4 buffers).
    detail::PoolHeader& h = LoanTestAccess::pool_header(*s);
    h.buffer_count = 2048;
    h.buffer_size = 64;
    EXPECT_EQ(attach_with(*s, *s->pool_fd().duplicate()), Errc::invalid_argument);
  }
  {
    auto a = RingSender::create(pool_config(4, 256));
    auto b = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(attach_with(*a, *b->pool_fd().duplicate()), Errc::invalid_argument);  // another ring's pool
  }
  {
    auto s = RingSender::create(pool_config(4, 256));
    ASSERT_TRUE(s);
    auto unsealed = platform::create_memfd("not-a-pool", 8192);
    ASSERT_TRUE(unsealed);
    EXPECT_EQ(attach_with(*s, std::move(*unsealed)), Errc::invalid_argument);
    EXPECT_EQ(attach_with(*s, platform::Fd()), Errc::invalid_argument);
  }
}

// Property: the receiver cannot write the pool: the kernel refuses a writable
// mapping (future_write seal), and a store through a View faults.
TEST(Loan, ReceiverCannotWriteThePool) {
  auto p = make_pool_pair(pool_config(2, 4096));
  auto pool = p.sender.pool_fd().duplicate();
  ASSERT_TRUE(pool);
  EXPECT_EQ(platform::Mapping::map(*pool, 8192, platform::Access::read_write).code(), Errc::permission_denied);
  EXPECT_EQ(::pwrite(pool->get(), "x", 1, 4096), -1);
  ASSERT_TRUE(send_loaned(p.sender, make_message(5, 32)));
  auto view = p.receiver.try_recv_view();
  ASSERT_TRUE(view);
  auto child = Child::fork([&] {
    struct sigaction action {};
    action.sa_handler = [](int) { ::_exit(77); };
    ::sigaction(SIGSEGV, &action, nullptr);
    volatile std::byte* target = const_cast<std::byte*>(view->bytes().data());
    target[0] = std::byte{0xEE};
    return 0;  // reached only if the store succeeded
  });
  const platform::ExitStatus status = child.wait();
  EXPECT_TRUE((status.exited_normally() && status.code == 77) || status.signal == SIGSEGV)
      << "code " << status.code << " signal " << status.signal;
  EXPECT_TRUE(matches(5, view->bytes(), 32));
}

// Property: a sender killed with views outstanding leaves them readable
// (the memfd lives while mapped: no SIGBUS), and a watched receiver then
// drains and reports peer_died.
TEST(Loan, ViewsSurviveAKilledSender) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto sender = RingSender::create(pool_config(4, 64 * 1024));
    if (!sender || !hand_over3(pair->second, *sender)) return 40;
    for (std::uint64_t i = 0; i < 3; ++i) {
      if (!send_loaned(*sender, make_message(i, 60000))) return 41;
    }
    if (::write(pair->second.get(), "s", 1) != 1) return 42;  // all three sent
    ::pause();  // killed here
    return 0;
  });
  pair->second.reset();
  auto receiver = take_over3(pair->first);
  ASSERT_TRUE(receiver) << receiver.error().message();
  receiver->watch_peer(*child.pidfd().duplicate());
  auto v0 = receiver->recv_view(Deadline::after(10s));
  auto v1 = receiver->recv_view(Deadline::after(10s));
  ASSERT_TRUE(v0 && v1);
  char sent = 0;
  ASSERT_EQ(::read(pair->first.get(), &sent, 1), 1);
  ASSERT_TRUE(platform::send_signal(child.pidfd(), SIGKILL));
  const platform::ExitStatus status = child.wait();
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_TRUE(matches(0, v0->bytes(), 60000));
  EXPECT_TRUE(matches(1, v1->bytes(), 60000));
  std::vector<std::byte> got;
  ASSERT_TRUE(receiver->recv(got, Deadline::after(10s)));  // published before the death
  EXPECT_TRUE(matches(2, got, 60000));
  EXPECT_EQ(receiver->recv(got, Deadline::after(10s)).code(), Errc::peer_died);
  v0->reset();  // returning to a dead sender is harmless
}

// Property: a receiver killed while holding views never returns them; the
// sender's pool runs dry (would_block), its watch reports peer_died, and loan()
// says so once the pool is exhausted instead of would_block forever.
TEST(Loan, KilledReceiverIsReported) {
  auto pair = platform::socket_pair(platform::SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto child = Child::fork([&] {
    pair->first.reset();
    auto receiver = take_over3(pair->second);
    if (!receiver) return 50;
    std::vector<View> held;
    for (int i = 0; i < 2; ++i) {
      auto view = receiver->recv_view(Deadline::after(10s));
      if (!view) return 51;
      held.push_back(std::move(*view));
    }
    ::pause();
    return 0;
  });
  pair->second.reset();
  auto sender = RingSender::create(pool_config(2, 256));
  ASSERT_TRUE(sender);
  ASSERT_TRUE(hand_over3(pair->first, *sender));
  sender->watch_peer(*child.pidfd().duplicate());
  ASSERT_TRUE(send_loaned(*sender, make_message(0, 10)));
  ASSERT_TRUE(send_loaned(*sender, make_message(1, 10)));
  ASSERT_TRUE(platform::send_signal(child.pidfd(), SIGKILL));
  EXPECT_EQ(child.wait().signal, SIGKILL);
  EXPECT_EQ(sender->loan(1).code(), Errc::would_block);  // not yet known dead
  EXPECT_EQ(sender->check_peer().code(), Errc::peer_died);
  EXPECT_EQ(sender->loan(1).code(), Errc::peer_died);
}

}  // namespace
}  // namespace missive::shm
