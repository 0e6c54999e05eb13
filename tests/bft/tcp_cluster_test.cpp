// bft over TCP, across processes: `missive bft bench` spawns n `missive bft
// node` processes on 127.0.0.1 (and, when the machine allows, in two network
// namespaces joined by a veth pair). What must never happen: two correct
// nodes deliver different roots for one (sender, sequence); a correct
// member's message is missing at a correct node once the run ends; a run
// outlives its bound.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

namespace {

// Runs `command`, returns its stdout (bounded by the bench's own --timeout).
std::string capture(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) out += buf.data();
  status = ::pclose(pipe);
  return out;
}

nlohmann::json bench(const std::string& args) {
  int status = 0;
  const std::string out = capture(std::string(MISSIVE_CLI) + " bft bench --json --timeout 40 " + args, status);
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(status, 0) << out;
  return j;
}

void expect_safe_and_complete(const nlohmann::json& j) {
  if (j.is_discarded()) return;
  EXPECT_EQ(j["safety_violations"].get<int>(), 0) << j.dump(2);
  EXPECT_TRUE(j["all_correct_delivered"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["error"].get<std::string>(), "") << j.dump(2);
  EXPECT_GT(j["delivered_msgs_per_s"].get<double>(), 0.0);
}

TEST(TcpCluster, EchoWithAnEquivocatingSender) {
  expect_safe_and_complete(bench("--n 4 --f 1 --byzantine 1 --behaviour equivocating_sender --messages 40"));
}

TEST(TcpCluster, EchoBatchedWithAForger) {
  expect_safe_and_complete(bench("--n 4 --f 1 --byzantine 1 --behaviour forger --messages 512 --batch 64"));
}

// Hostile bytes from an authenticated member change nothing at the others.
TEST(TcpCluster, BrachaWithAGarbageSender) {
  const nlohmann::json j = bench("--n 4 --f 1 --byzantine 1 --behaviour garbage --mode bracha --messages 40");
  expect_safe_and_complete(j);
  if (!j.is_discarded()) {
    std::uint64_t refused = 0;
    for (const auto& node : j["nodes"]) {
      if (!node["byzantine"].get<bool>()) refused += node["stats"]["refused"].get<std::uint64_t>();
    }
    EXPECT_GT(refused, 0u) << "the garbage member's bytes should have been refused";
  }
}

TEST(TcpCluster, SevenMembersTwoByzantine) {
  expect_safe_and_complete(bench("--n 7 --f 2 --byzantine 2 --behaviour double_acker --messages 20"));
}

// Two namespaces joined by one veth pair (10.200.X.1/30 and .2/30): nodes 0
// and 1 in one, 2 and 3 in the other, so every quorum crosses the link.
class NetNamespaces : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    if (std::system("/usr/sbin/ip netns list >/dev/null 2>&1") != 0) GTEST_SKIP() << "`ip netns` is unavailable";
    const unsigned id = static_cast<unsigned>(::getpid()) % 100000u;
    ns_a_ = "missive-bft-a" + std::to_string(id);
    ns_b_ = "missive-bft-b" + std::to_string(id);
    const std::string veth_a = "mva" + std::to_string(id), veth_b = "mvb" + std::to_string(id);
    subnet_ = "10.200." + std::to_string(id % 250) + ".";
    cleanup();
    const std::string ip = "/usr/sbin/ip ";
    const std::string setup =
        ip + "netns add " + ns_a_ + " && " + ip + "netns add " + ns_b_ + " && " + ip + "link add " + veth_a +
        " type veth peer name " + veth_b + " && " + ip + "link set " + veth_a + " netns " + ns_a_ + " && " + ip +
        "link set " + veth_b + " netns " + ns_b_ + " && " + ip + "-n " + ns_a_ + " addr add " + subnet_ + "1/30 dev " +
        veth_a + " && " + ip + "-n " + ns_b_ + " addr add " + subnet_ + "2/30 dev " + veth_b + " && " + ip + "-n " +
        ns_a_ + " link set " + veth_a + " up && " + ip + "-n " + ns_b_ + " link set " + veth_b + " up && " + ip +
        "-n " + ns_a_ + " link set lo up && " + ip + "-n " + ns_b_ + " link set lo up";
    if (std::system((setup + " 2>/dev/null").c_str()) != 0) {
      cleanup();
      GTEST_SKIP() << "cannot create namespaces with a veth pair here";
    }
    created_ = true;
  }
  void TearDown() override {
    if (created_) cleanup();
  }
  void cleanup() {
    // Deleting a namespace deletes its end of the veth pair, and with it the pair.
    (void)std::system(("/usr/sbin/ip netns del " + ns_a_ + " 2>/dev/null").c_str());
    (void)std::system(("/usr/sbin/ip netns del " + ns_b_ + " 2>/dev/null").c_str());
  }
  std::string ns_a_, ns_b_, subnet_;
  bool created_ = false;
};

TEST_F(NetNamespaces, NodesInTwoNamespacesAgree) {
  const std::string a = subnet_ + "1", b = subnet_ + "2";
  const nlohmann::json j = bench("--n 4 --f 1 --byzantine 1 --behaviour equivocating_sender --messages 40 --netns " +
                                 ns_a_ + "," + ns_a_ + "," + ns_b_ + "," + ns_b_ + " --hosts " + a + "," + a + "," +
                                 b + "," + b);
  expect_safe_and_complete(j);
}

}  // namespace
