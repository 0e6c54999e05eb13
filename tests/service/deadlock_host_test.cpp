// Wait-for cycles across service processes: a ring of k services, each
// serving one request at a time (fair queue, one worker), where the last one
// calls the first again. Without detection the ring would wait for its
// deadline; the host refuses the call that closes the cycle with `deadlock`
// and the error unwinds the ring.
//
// Properties: every cycle of k = 2..8 is found and broken long before the
// deadline, the error names every service of the cycle; a chain that does not
// return to a busy service is never reported (no false positive); a cycle
// closing through a slow call is found too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "host_support.hpp"
#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
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

class DeadlockRing : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = "unix:@missive-deadlock-test-" + std::to_string(::getpid());
    std::string text = "[host]\naddress = \"" + address_ + "\"\n";
    for (int i = 0; i < 8; ++i) {
      text += "[[service]]\nname = \"" + service_name(i) + "\"\ncommand = \"" + ECHO_SERVICE_PATH +
              "\"\nfairness = \"equal_messages\"\nworkers = 1\n";
    }
    host_ = testing::start_host_from_text(text, {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"});
    ASSERT_NE(host_, nullptr);
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

TEST_F(DeadlockRing, RingsOfTwoToEightServicesAreFoundAndBroken) {
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

TEST_F(DeadlockRing, AChainWithoutACycleIsNeverReported) {
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

TEST_F(DeadlockRing, ACycleThatClosesThroughASlowCallIsFound) {
  CallResult<Bytes> reply = relay({"s0", "s1", "s2", "s0"}, 150);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::deadlock) << reply.error().message();
}

}  // namespace
}  // namespace missive::service
