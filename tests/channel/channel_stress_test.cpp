// Channel<T> under contention: several producers and consumers at once.
#include "missive/channel/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;

class ChannelStress : public ::testing::TestWithParam<std::size_t> {};

// Records every value received; fails on duplicates.
class Ledger {
 public:
  explicit Ledger(std::size_t n) : seen_(std::make_unique<std::atomic<std::uint8_t>[]>(n)), n_(n) {}
  void mark(std::size_t v) {
    ASSERT_LT(v, n_);
    EXPECT_EQ(seen_[v].fetch_add(1, std::memory_order_relaxed), 0u) << "value " << v << " received twice";
  }
  [[nodiscard]] std::size_t count() const {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n_; ++i) c += seen_[i].load(std::memory_order_relaxed);
    return c;
  }
  [[nodiscard]] bool seen(std::size_t v) const { return seen_[v].load(std::memory_order_relaxed) != 0; }

 private:
  std::unique_ptr<std::atomic<std::uint8_t>[]> seen_;
  std::size_t n_;
};

// Property: with P producers and C consumers, every value sent is received
// exactly once (never lost, never duplicated), for each capacity.
TEST_P(ChannelStress, EveryValueIsReceivedExactlyOnce) {
  constexpr std::size_t producers = 3;
  constexpr std::size_t consumers = 3;
  const std::size_t per_producer = test::scaled(20000, 3000);
  Channel<std::size_t> ch(GetParam());
  Ledger ledger(producers * per_producer);

  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < per_producer; ++i) ASSERT_TRUE(ch.send(p * per_producer + i));
    });
  }
  std::atomic<std::size_t> received{0};
  for (std::size_t c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      while (auto r = ch.recv()) {
        ledger.mark(*r);
        received.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (std::size_t p = 0; p < producers; ++p) threads[p].join();
  ch.close();  // consumers drain the rest, then see closed
  for (std::size_t c = producers; c < threads.size(); ++c) threads[c].join();
  EXPECT_EQ(received.load(), producers * per_producer);
  EXPECT_EQ(ledger.count(), producers * per_producer);
}

// Property: timeouts racing with hand-offs neither lose nor duplicate a value:
// a send that timed out was not received, a send that succeeded was received
// exactly once. Deadlines are short so many operations time out mid-race.
TEST_P(ChannelStress, TimeoutsNeverLoseOrDuplicateValues) {
  constexpr std::size_t producers = 2;
  constexpr std::size_t consumers = 2;
  const std::size_t per_producer = test::scaled(5000, 1000);
  Channel<std::size_t> ch(GetParam());
  Ledger ledger(producers * per_producer);
  std::atomic<std::size_t> timeouts{0};

  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < per_producer; ++i) {
        const std::size_t v = p * per_producer + i;
        for (;;) {
          std::size_t copy = v;
          const auto d = Deadline::after(std::chrono::microseconds(50));
          // NOLINTNEXTLINE(performance-move-const-arg): the API takes T&&
          const Status s = ch.send_until(std::move(copy), d);
          if (s) break;
          ASSERT_EQ(s.code(), Errc::timed_out);
          // NOLINTNEXTLINE(bugprone-use-after-move): moved from only on ok
          ASSERT_EQ(copy, v) << "a timed-out send lost its value";
          timeouts.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::atomic<std::size_t> received{0};
  for (std::size_t c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        auto r = ch.recv_until(Deadline::after(std::chrono::microseconds(30)));
        if (r) {
          ledger.mark(*r);
          received.fetch_add(1, std::memory_order_relaxed);
        } else if (r.code() == Errc::closed) {
          return;
        } else {
          ASSERT_EQ(r.code(), Errc::timed_out);
          timeouts.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::size_t p = 0; p < producers; ++p) threads[p].join();
  ch.close();
  for (std::size_t c = producers; c < threads.size(); ++c) threads[c].join();
  EXPECT_EQ(received.load(), producers * per_producer);
  EXPECT_EQ(ledger.count(), producers * per_producer);
  RecordProperty("timeouts", static_cast<int>(timeouts.load()));
}

// Property: closing mid-stream drops nothing silently: every send that
// returned ok is received (receivers drain after close), every send that
// returned closed is not.
TEST_P(ChannelStress, CloseUnderLoadDeliversEverySuccessfulSend) {
  constexpr std::size_t producers = 3;
  constexpr std::size_t consumers = 2;
  constexpr std::size_t limit = 1'000'000;  // producers stop at close long before this
  Channel<std::size_t> ch(GetParam());
  Ledger ledger(producers * limit);
  std::atomic<std::size_t> sent_ok{0};
  std::vector<std::vector<std::size_t>> rejected(producers);

  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < limit; ++i) {
        const Status s = ch.send(p * limit + i);
        if (!s) {
          ASSERT_EQ(s.code(), Errc::closed);
          rejected[p].push_back(p * limit + i);
          return;
        }
        sent_ok.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::atomic<std::size_t> received{0};
  for (std::size_t c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      while (auto r = ch.recv()) {
        ledger.mark(*r);
        received.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(test::under_tsan ? 100ms : 30ms);
  ch.close();
  for (auto& t : threads) t.join();
  EXPECT_EQ(received.load(), sent_ok.load());
  for (const auto& r : rejected) {
    for (std::size_t v : r) EXPECT_FALSE(ledger.seen(v)) << "a send that returned closed was delivered";
  }
}

INSTANTIATE_TEST_SUITE_P(Capacities, ChannelStress, ::testing::Values(0, 1, 64),
                         [](const auto& tpi) { return "capacity_" + std::to_string(tpi.param); });

}  // namespace
}  // namespace missive
