// transport, leak check: cycles of fork -> connect over shm:// -> exchange ->
// kill -9 -> the survivor notices. Property: the survivor (this process) ends
// with as many descriptors and mappings as it started with, and never waits
// unboundedly. The killed side alternates between the two roles of the
// connection (child as connector, then child as listener) and the survivor
// alternates between noticing in recv and in a send on a full ring.
//
// 200 cycles by default; MISSIVE_TRANSPORT_CYCLES=1000 for the full run.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "transport_support.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;
using testing::pattern;

// Mappings the allocator may add or drop on its own. ASan's allocator maps a
// new region each time one of its size classes fills (about 8 over 200 cycles
// here); a leaked ring would add two mappings per cycle.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t map_slack = 32;
#else
constexpr std::size_t map_slack = 2;
#endif

int cycles() {
  const char* env = std::getenv("MISSIVE_TRANSPORT_CYCLES");
  return env != nullptr ? std::max(1, std::atoi(env)) : 200;
}

// Child body: exchange one ping/pong on `conn`, then wait to be killed.
int child_exchange(Connection& conn) {
  std::vector<std::byte> got;
  if (!conn.recv(got, Deadline::after(5s)) || got != pattern(32, 1)) return 3;
  if (!conn.send(pattern(32, 2), Deadline::after(5s))) return 4;
  for (;;) ::pause();
}

// One cycle. Returns "" on success, else what went wrong.
std::string one_cycle(int i, Listener& listener, const std::string& address) {
  const bool child_listens = (i % 2) == 1;
  const bool notice_in_send = (i % 4) >= 2;
  ConnectOptions co;
  co.ring.capacity_bytes = 4096;
  co.wait.liveness_interval = 2ms;
  const std::string child_address = address + "-c" + std::to_string(i);

  auto child = missive::testing::Child::fork([&]() -> int {
    if (child_listens) {
      auto l = Listener::listen(child_address, ListenOptions{});
      if (!l) return 1;
      auto c = l->accept(Deadline::after(5s));
      if (!c) return 2;
      return child_exchange(*c);
    }
    auto c = connect(address, Deadline::after(5s), co);
    if (!c) return 1;
    return child_exchange(*c);
  });

  Result<Connection> conn = Error{Errc::refused, ""};
  if (child_listens) {
    const Deadline by = Deadline::after(5s);
    do {
      conn = connect(child_address, Deadline::after(1s), co);
      if (!conn && conn.code() == Errc::refused) std::this_thread::sleep_for(200us);
    } while (!conn && conn.code() == Errc::refused && !by.expired());
  } else {
    conn = listener.accept(Deadline::after(5s));
  }
  if (!conn) return "connect/accept: " + conn.error().message();
  if (!conn->send(pattern(32, 1), Deadline::after(5s))) return "ping failed";
  std::vector<std::byte> got;
  if (!conn->recv(got, Deadline::after(5s)) || got != pattern(32, 2)) return "pong failed";

  if (!platform::send_signal(child.pidfd(), SIGKILL)) return "kill failed";
  const auto start = Clock::now();
  Status noticed = ok();
  if (notice_in_send) {
    const auto big = pattern(std::min<std::size_t>(conn->max_message_size(), 1000), 3);
    for (int k = 0; k < 100000 && noticed; ++k) noticed = conn->send(big, Deadline::after(5s));
  } else {
    noticed = conn->recv(got, Deadline::after(5s));
  }
  if (noticed.code() != Errc::peer_died && noticed.code() != Errc::closed) {
    return "survivor did not notice: " + noticed.error().message();
  }
  if (Clock::now() - start > 3s) return "noticing took too long";
  if (child.wait().signal != SIGKILL) return "child did not die by SIGKILL";
  return "";
}

TEST(TransportCycles, KillEitherSideLeaksNothing) {
  const std::string address = testing::unique_address(testing::Kind::shm);
  ListenOptions lo;
  lo.ring.capacity_bytes = 4096;
  lo.wait.liveness_interval = 2ms;
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  // Warm-up: allocator arenas, lazily loaded code, gtest's own state.
  for (int i = 0; i < 8; ++i) ASSERT_EQ(one_cycle(i, *listener, address), "") << "warm-up cycle " << i;
  const std::size_t fds_before = testing::count_fds();
  const std::size_t maps_before = testing::count_maps();
  const int n = cycles();
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string failure = one_cycle(i, *listener, address);
    ASSERT_EQ(failure, "") << "cycle " << i;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_EQ(testing::count_fds(), fds_before);
  EXPECT_LE(testing::count_maps(), maps_before + map_slack);
  std::printf("%d cycles in %lld ms; fds %zu -> %zu, maps %zu -> %zu\n", n, static_cast<long long>(elapsed.count()),
              fds_before, testing::count_fds(), maps_before, testing::count_maps());
}

}  // namespace
}  // namespace missive::transport
