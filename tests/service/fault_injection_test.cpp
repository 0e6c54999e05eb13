// Fault injection: services killed with SIGKILL again and again under
// continuous client load.
//
// Properties (must never happen):
// - a call that neither returns a reply nor a clear error (peer_died,
//   service_unavailable, timed_out) within its deadline (plus scheduling slack);
// - a reply that is not the answer to its own request;
// - descriptors or shared-memory mappings left behind in the client/host
//   process once the clients and the host are gone (counted in /proc/self).
// - an acknowledged kvd write that is missing or different after the kills.
// MISSIVE_FAULT_KILLS sets the number of kills (default 40, and 10 for kvd; the soak
// target uses 1000).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "host_support.hpp"
#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
#include "missive/services/kv_protocol.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::size_t shared_mappings() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);) {
    if (line.find("memfd:") != std::string::npos) ++n;
  }
  return n;
}

int kills_from_env() {
  const char* text = std::getenv("MISSIVE_FAULT_KILLS");
  return text == nullptr ? 40 : std::max(1, std::atoi(text));
}

TEST(FaultInjection, EveryCallEndsCleanlyWhileServicesAreKilledAgainAndAgain) {
  const std::size_t fds_before = open_fds();
  const std::size_t maps_before = shared_mappings();
  const int kills = kills_from_env();
  const std::string address = "unix:@missive-fault-" + std::to_string(::getpid());
  std::string text = "[host]\naddress = \"" + address + "\"\n";
  for (const char* name : {"alpha", "beta", "gamma"}) {
    text += std::string("[[service]]\nname = \"") + name + "\"\ncommand = \"" + ECHO_SERVICE_PATH +
            "\"\nbackoff_ms = 1\nbackoff_max_ms = 20\nmax_restarts = 100000\n";
  }
  {
    std::unique_ptr<Host> host = testing::start_host_from_text(text, {"alpha", "beta", "gamma"});
    ASSERT_NE(host, nullptr);

    constexpr auto call_deadline = 500ms;
    constexpr auto slack = 250ms;  // a shared 2-core machine: scheduling delay
    std::atomic<bool> stop{false};
    std::mutex results_mutex;
    std::map<std::string, int> outcomes;
    std::atomic<int> late{0};
    std::atomic<int> wrong_replies{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 3; ++c) {
      clients.emplace_back([&, c] {
        std::vector<ServiceClient> services;
        for (const char* name : {"alpha", "beta", "gamma"}) services.emplace_back(name, ServiceClientOptions{.host_address = address});
        std::mt19937_64 rng(static_cast<std::uint64_t>(c) + 1);
        std::uint64_t n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          ServiceClient& target = services[rng() % services.size()];
          Bytes body(8);
          const std::uint64_t token = (static_cast<std::uint64_t>(c) << 48) | n++;
          std::memcpy(body.data(), &token, 8);
          const auto start = Clock::now();
          CallResult<Bytes> reply = target.call("echo", body, Deadline::after(call_deadline));
          const auto took = Clock::now() - start;
          if (took > call_deadline + slack) late.fetch_add(1);
          std::string outcome = reply ? "ok" : std::string(name(reply.error().code));
          if (reply && *reply != body) wrong_replies.fetch_add(1);
          std::lock_guard lock(results_mutex);
          ++outcomes[outcome];
        }
      });
    }
    std::mt19937 rng(7);
    int killed = 0;
    const char* names[] = {"alpha", "beta", "gamma"};
    for (int k = 0; k < kills; ++k) {
      const char* victim = names[rng() % 3];
      CallResult<LookupReply> up = host->wait_running(victim, Deadline::after(10s));
      ASSERT_TRUE(up) << "kill " << k << ": " << up.error().message();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));  // let some calls land
      if (::kill(static_cast<pid_t>(up->pid), SIGKILL) == 0) ++killed;
      ASSERT_TRUE(host->wait_running(victim, Deadline::after(10s), up->generation)) << "no restart after kill " << k;
    }
    stop = true;
    for (auto& t : clients) t.join();

    EXPECT_EQ(killed, kills);
    EXPECT_EQ(late.load(), 0) << "calls outlived their deadline";
    EXPECT_EQ(wrong_replies.load(), 0);
    int total = 0;
    for (const auto& [outcome, count] : outcomes) {
      total += count;
      EXPECT_TRUE(outcome == "ok" || outcome == "peer_died" || outcome == "service_unavailable" ||
                  outcome == "timed_out")
          << count << " calls ended with " << outcome;
    }
    EXPECT_GT(outcomes["ok"], total / 2) << "most calls should succeed between kills";
    std::string summary;
    for (const auto& [outcome, count] : outcomes) summary += " " + outcome + "=" + std::to_string(count);
    std::printf("%d kills, %d calls:%s\n", killed, total, summary.c_str());
  }
  // Host and clients are gone: nothing of theirs may remain in this process.
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_EQ(shared_mappings(), maps_before);
}

// Property: every kv.put that was acknowledged survives any number of kill -9
// of kvd (the service acknowledges only after fdatasync).
TEST(FaultInjection, NoAcknowledgedKvdWriteIsLostAcrossKills) {
  const int kills = std::max(1, kills_from_env() / 4);
  const std::string dir = std::filesystem::temp_directory_path() / ("missive-kvd-fault-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string address = "unix:@missive-kvfault-" + std::to_string(::getpid());
  const std::string text = "[host]\naddress = \"" + address + "\"\n[[service]]\nname = \"kvd\"\ncommand = \"" + KVD_PATH +
                           "\"\nargs = [\"--dir\", \"" + dir + "\"]\nbackoff_ms = 1\nmax_restarts = 100000\n";
  std::unique_ptr<Host> host = testing::start_host_from_text(text, {"kvd"});
  ASSERT_NE(host, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<std::size_t> acked{0};  // progress for the killer; relaxed: a count, no data behind it
  std::vector<std::pair<std::string, std::string>> acknowledged;  // writer thread only until joined
  std::thread writer([&] {
    ServiceClient kv("kvd", {.host_address = address});
    for (std::uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      services::KvPutRequest put;
      put.key = "key-" + std::to_string(n);
      put.value = "value-" + std::to_string(n * 7919);
      CallResult<services::KvPutReply> reply = kv.call<services::KvPutReply>("kv.put", put, Deadline::after(1s));
      if (reply) {
        acknowledged.emplace_back(put.key, put.value);
        acked.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  std::mt19937 rng(11);
  for (int k = 0; k < kills; ++k) {
    CallResult<LookupReply> up = host->wait_running("kvd", Deadline::after(10s));
    ASSERT_TRUE(up);
    // Let each instance acknowledge a few writes first (slow machines and
    // sanitizers), then kill it at a random moment of the put stream.
    const std::size_t before = acked.load(std::memory_order_relaxed);
    const auto give_up = Clock::now() + 10s;
    while (acked.load(std::memory_order_relaxed) < before + 2 && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
    ::kill(static_cast<pid_t>(up->pid), SIGKILL);
    ASSERT_TRUE(host->wait_running("kvd", Deadline::after(10s), up->generation));
  }
  stop = true;
  writer.join();
  ASSERT_GT(acknowledged.size(), 10u) << "the writer made too little progress to mean anything";
  ServiceClient reader("kvd", {.host_address = address});
  std::size_t missing = 0;
  for (const auto& [key, value] : acknowledged) {
    services::KvGetRequest get;
    get.key = key;
    CallResult<services::KvGetReply> got = reader.call<services::KvGetReply>("kv.get", get, Deadline::after(2s));
    if (!got || got->value != value) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  std::printf("%d kills of kvd, %zu acknowledged writes, %zu missing\n", kills, acknowledged.size(), missing);
  host->stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace missive::service
