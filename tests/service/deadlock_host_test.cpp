// Wait-for cycles across service processes: a ring of k services, each
// serving one request at a time (fair queue, one worker), where the last one
// calls the first again. Without detection the ring would wait for its
// deadline; the host refuses the call that closes the cycle with `deadlock`
// and the error unwinds the ring.
//
// Properties, under lazy and under eager registration: every cycle of k = 2..8
// is found and broken long before the deadline, the error names every service
// of the cycle; a chain that does not return to a busy service is never
// reported (no false positive); a cycle closing through a slow call is found
// too. Lazy registration only: a call answered within the grace registers
// nothing with the host, a slow one registers its edge and removes it again.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "host_support.hpp"
#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
#include "missive/service/service_runtime.hpp"
#include "missive/wire/message.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

// "s3". (Built by append: g++ 12 -O3 warns falsely on "s" + std::string.)
std::string service_name(int i) {
  std::string name(1, 's');
  name.append(std::to_string(i));
  return name;
}

// How the services register their waits; they inherit this process's
// environment (platform::spawn), so the fixture sets it before the host starts.
struct Registration {
  const char* mode;      // MISSIVE_DEADLOCK_REGISTRATION
  const char* grace_us;  // MISSIVE_DEADLOCK_GRACE_US, nullptr: the default (200 us)
};

class HostedServices : public ::testing::Test {
 protected:
  void start(Registration registration) {
    ::setenv("MISSIVE_DEADLOCK_REGISTRATION", registration.mode, 1);
    if (registration.grace_us != nullptr) ::setenv("MISSIVE_DEADLOCK_GRACE_US", registration.grace_us, 1);
    address_ = "unix:@missive-deadlock-test-" + std::to_string(::getpid());
    std::string text = "[host]\naddress = \"" + address_ + "\"\n";
    for (int i = 0; i < 8; ++i) {
      text += "[[service]]\nname = \"" + service_name(i) + "\"\ncommand = \"" + ECHO_SERVICE_PATH +
              "\"\nfairness = \"equal_messages\"\nworkers = 1\n";
    }
    host_ = testing::start_host_from_text(text, {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"});
    ::unsetenv("MISSIVE_DEADLOCK_REGISTRATION");  // the services have their copies
    ::unsetenv("MISSIVE_DEADLOCK_GRACE_US");
    ASSERT_NE(host_, nullptr);
  }

  // Polls until the host holds no wait-for edge (host.unwait is one-way).
  [[nodiscard]] bool edges_drain() const {
    for (int i = 0; i < 500 && host_->wait_stats().edges != 0; ++i) std::this_thread::sleep_for(2ms);
    return host_->wait_stats().edges == 0;
  }

  // Calls path[0].relay with the rest of the path.
  CallResult<Bytes> relay(const std::vector<std::string>& path, std::uint64_t delay_ms = 0) {
    RecordWriter body;
    for (std::size_t i = 1; i < path.size(); ++i) body.add_string(1, path[i]);
    body.add_u64(2, delay_ms);
    ServiceClient client(path[0], {.host_address = address_});
    return client.call("relay", body.bytes(), Deadline::after(10s));
  }

  std::string address_;
  std::unique_ptr<Host> host_;
};

class DeadlockRing : public HostedServices, public ::testing::WithParamInterface<Registration> {
 protected:
  void SetUp() override { start(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Registrations, DeadlockRing,
                         ::testing::Values(Registration{"lazy", nullptr}, Registration{"eager", nullptr}),
                         [](const ::testing::TestParamInfo<Registration>& p) { return std::string(p.param.mode); });

TEST_P(DeadlockRing, RingsOfTwoToEightServicesAreFoundAndBroken) {
  for (int k = 2; k <= 8; ++k) {
    std::vector<std::string> ring;
    for (int i = 0; i < k; ++i) ring.push_back(service_name(i));
    ring.push_back("s0");  // back to the start: a cycle of k waits
    const auto start = Clock::now();
    CallResult<Bytes> reply = relay(ring);
    const auto took = Clock::now() - start;
    ASSERT_FALSE(reply) << "k=" << k << ": the ring was not refused";
    EXPECT_EQ(reply.error().code, Errc::deadlock) << "k=" << k << ": " << reply.error().message();
    for (int i = 0; i < k; ++i) {
      EXPECT_NE(reply.error().detail.find(service_name(i)), std::string::npos)
          << "k=" << k << ": the cycle text misses s" << i << ": " << reply.error().detail;
    }
    EXPECT_LT(took, 2s) << "k=" << k << ": found only after " << std::chrono::duration<double>(took).count() << " s";
  }
}

TEST_P(DeadlockRing, AChainWithoutACycleIsNeverReported) {
  for (int k = 1; k <= 8; ++k) {
    std::vector<std::string> chain;
    for (int i = 0; i < k; ++i) chain.push_back(service_name(i));
    CallResult<Bytes> reply = relay(chain);
    ASSERT_TRUE(reply) << "k=" << k << ": " << reply.error().message();
    Result<RecordView> view = RecordView::parse(*reply);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->count(1), static_cast<std::size_t>(k));
  }
  // The same service twice, but not while it waits: s0 -> s1 ends, then s0 -> s1 again.
  EXPECT_TRUE(relay({"s0", "s1"}));
  EXPECT_TRUE(relay({"s0", "s1"}));
}

TEST_P(DeadlockRing, ACycleThatClosesThroughASlowCallIsFound) {
  CallResult<Bytes> reply = relay({"s0", "s1", "s2", "s0"}, 150);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::deadlock) << reply.error().message();
  EXPECT_GE(host_->wait_stats().deadlocks, 1u);
  EXPECT_TRUE(edges_drain()) << host_->wait_stats().edges << " edges left after the ring unwound";
}

// Lazy registration with a grace of 50 ms: long against one unix/shm hop even
// on a loaded machine under a sanitizer, so "answered within the grace" is
// deterministic here. A hop's first call looks its callee up and connects,
// which may take longer: the tests warm their hops up before counting.
class LazyRegistration : public HostedServices {
 protected:
  void SetUp() override { start({"lazy", "50000"}); }
};

// Property: an ordinary call between services, answered within the grace,
// registers nothing with the host: 50 nested calls s0 -> s1, zero host.wait.
// (Eager registration makes one per call: the control.)
TEST_F(LazyRegistration, AFastCallRegistersNothingWithTheHost) {
  ASSERT_TRUE(relay({"s0", "s1"}));  // warm-up: s0 connects to s1
  const HostWaitStats before = host_->wait_stats();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(relay({"s0", "s1"}));
  const HostWaitStats after = host_->wait_stats();
  EXPECT_EQ(after.registrations, before.registrations) << "fast calls registered wait-for edges";
  EXPECT_EQ(after.edges, 0u);
}

class EagerRegistration : public HostedServices {
 protected:
  void SetUp() override { start({"eager", nullptr}); }
};

TEST_F(EagerRegistration, EveryCallRegistersWithTheHost) {
  const HostWaitStats before = host_->wait_stats();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(relay({"s0", "s1"}));
  EXPECT_EQ(host_->wait_stats().registrations - before.registrations, 10u);
}

// Property: a call that outlasts the grace registers its edge and removes it
// when it ends, without a false report: in s0 -> s1 -> s2 with 100 ms of work
// before each hop, s0's call to s1 (100 ms) registers, s1's call to s2 (which
// answers at once) does not.
TEST_F(LazyRegistration, ASlowCallRegistersItsEdgeAndRemovesIt) {
  ASSERT_TRUE(relay({"s0", "s1", "s2"}));  // warm-up: s0 connects to s1, s1 to s2
  ASSERT_TRUE(edges_drain());
  const HostWaitStats before = host_->wait_stats();
  CallResult<Bytes> reply = relay({"s0", "s1", "s2"}, 100);
  ASSERT_TRUE(reply) << reply.error().message();
  const HostWaitStats after = host_->wait_stats();
  EXPECT_EQ(after.registrations - before.registrations, 1u);
  EXPECT_EQ(after.deadlocks, before.deadlocks);
  EXPECT_TRUE(edges_drain()) << after.edges << " edges left after the call ended";
}

// Property: with a grace, a ring is still found (each of its waits outlasts
// any grace), named, and broken: about one grace after it closes, far before
// its 10 s deadline.
TEST_F(LazyRegistration, ARingIsStillFoundAndNamed) {
  const auto start = Clock::now();
  CallResult<Bytes> reply = relay({"s0", "s1", "s2", "s0"});
  const auto took = Clock::now() - start;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::deadlock) << reply.error().message();
  for (const char* name : {"s0", "s1", "s2"}) {
    EXPECT_NE(reply.error().detail.find(name), std::string::npos) << reply.error().detail;
  }
  EXPECT_GE(took, 50ms) << "found before the grace had passed: the edges were registered eagerly";
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(edges_drain());
}

// Property: a bad setting is refused with a clear error, not ignored.
TEST(DeadlockSettings, ABadRegistrationSettingIsRefused) {
  ServiceRuntimeOptions options;
  options.name = "x";
  options.address = "unix:@missive-deadlock-settings-test";
  ::setenv("MISSIVE_DEADLOCK_REGISTRATION", "sometimes", 1);
  auto bad_mode = ServiceRuntime::create(options);
  ::setenv("MISSIVE_DEADLOCK_REGISTRATION", "lazy", 1);
  ::setenv("MISSIVE_DEADLOCK_GRACE_US", "2ms", 1);
  auto bad_grace = ServiceRuntime::create(options);
  ::unsetenv("MISSIVE_DEADLOCK_REGISTRATION");
  ::unsetenv("MISSIVE_DEADLOCK_GRACE_US");
  ASSERT_FALSE(bad_mode);
  EXPECT_EQ(bad_mode.error().code, Errc::invalid_argument);
  EXPECT_NE(bad_mode.error().message().find("sometimes"), std::string::npos) << bad_mode.error().message();
  ASSERT_FALSE(bad_grace);
  EXPECT_EQ(bad_grace.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::service
