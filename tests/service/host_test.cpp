// The host with real service processes (echo_service): lookup by name,
// supervision and restart policies, crash reporting to clients in flight,
// registration checks, and a host that dies and comes back.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "missive/service/client.hpp"
#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

std::string unique_host_address() {
  static std::atomic<int> counter{0};
  return "unix:@missive-host-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// MISSIVE_TEST_SERVICE_TRANSPORT=unix runs the same tests with services on unix sockets.
Manifest echo_manifest(const std::string& host_address, const std::string& extra = "") {
  const char* transport = std::getenv("MISSIVE_TEST_SERVICE_TRANSPORT");
  const std::string text = "[host]\naddress = \"" + host_address + "\"\n[[service]]\nname = \"echo\"\ncommand = \"" +
                           ECHO_SERVICE_PATH + "\"\nbackoff_ms = 1\ntransport = \"" +
                           (transport != nullptr ? transport : "shm") + "\"\n" + extra;
  CallResult<Manifest> m = parse_manifest(text);
  EXPECT_TRUE(m) << m.error().message();
  return *m;
}

std::unique_ptr<Host> start_host(const Manifest& manifest, std::chrono::milliseconds adopt_grace = 0ms) {
  HostOptions options;
  options.manifest = manifest;
  options.adopt_grace = adopt_grace;
  CallResult<std::unique_ptr<Host>> host = Host::start(std::move(options));
  EXPECT_TRUE(host) << host.error().message();
  return host ? std::move(*host) : nullptr;
}

Bytes u64_bytes(std::uint64_t v) {
  Bytes out(8);
  std::memcpy(out.data(), &v, 8);
  return out;
}

std::uint64_t u64_of(const Bytes& b) {
  std::uint64_t v = 0;
  std::memcpy(&v, b.data(), std::min<std::size_t>(8, b.size()));
  return v;
}

const ServiceStatus* find_status(const StatusReply& reply, std::string_view name) {
  for (const auto& s : reply.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Waits until the service reaches `state` (bounded).
bool wait_state(const Host& host, std::string_view state, std::chrono::milliseconds limit = 5s) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    const StatusReply s = host.status();
    const ServiceStatus* echo = find_status(s, "echo");
    if (echo != nullptr && echo->state == state) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(Host, ClientsReachAServiceByNameOnly) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address));
  ASSERT_NE(host, nullptr);
  ASSERT_TRUE(host->wait_running("echo", Deadline::after(5s)));
  ServiceClient echo("echo", {.host_address = address});
  CallResult<Bytes> reply = echo.call("echo", u64_bytes(77), Deadline::after(2s));
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(u64_of(*reply), 77u);
  // The service answered from its own process, not the host's.
  CallResult<Bytes> pid = echo.call("pid", {}, Deadline::after(2s));
  ASSERT_TRUE(pid);
  EXPECT_NE(u64_of(*pid), static_cast<std::uint64_t>(::getpid()));
}

TEST(Host, LookupOfAnUnknownServiceIsNotFound) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address));
  ASSERT_NE(host, nullptr);
  ServiceClient nobody("nobody", {.host_address = address});
  CallResult<Bytes> reply = nobody.call("echo", {}, Deadline::after(2s));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::not_found);
}

TEST(Host, WithoutAHostCallsAreServiceUnavailable) {
  ServiceClient echo("echo", {.host_address = unique_host_address()});
  CallResult<Bytes> reply = echo.call("echo", {}, Deadline::after(1s));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::service_unavailable);
}

// Property: a crash never leaves a client hanging: every call in flight ends
// with peer_died at once (long before its deadline), and the service returns.
TEST(Host, ACrashFailsCallsInFlightAtOnceAndThePermanentServiceRestarts) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address));
  ASSERT_NE(host, nullptr);
  CallResult<LookupReply> first = host->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(first);

  std::atomic<bool> done{false};
  CallResult<Bytes> slow_result = CallError{};
  Clock::duration slow_took{};
  std::thread slow([&] {
    ServiceClient waiter("echo", {.host_address = address});
    const auto start = Clock::now();
    slow_result = waiter.call("sleep", u64_bytes(10'000), Deadline::after(20s));
    slow_took = Clock::now() - start;
    done = true;
  });
  std::this_thread::sleep_for(100ms);  // the sleep call is in the server now
  ServiceClient killer("echo", {.host_address = address});
  CallResult<Bytes> crash = killer.call("crash", {}, Deadline::after(5s));
  ASSERT_FALSE(crash);
  EXPECT_EQ(crash.error().code, Errc::peer_died);
  slow.join();
  ASSERT_FALSE(slow_result);
  EXPECT_EQ(slow_result.error().code, Errc::peer_died);
  EXPECT_LT(slow_took, 2s) << "the in-flight call waited for its deadline instead of failing at once";

  CallResult<LookupReply> second = host->wait_running("echo", Deadline::after(5s), first->generation);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_NE(second->pid, first->pid);
  CallResult<Bytes> again = killer.call("echo", u64_bytes(5), Deadline::after(2s));
  ASSERT_TRUE(again) << again.error().message();
  const StatusReply reply = host->status();  // find_status points into it
  const ServiceStatus* status = find_status(reply, "echo");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->restarts, 1u);
  EXPECT_EQ(status->last_exit, "signal 6");
}

TEST(Host, AnIdempotentCallIsRetriedOnTheRestartedInstance) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address));
  ASSERT_NE(host, nullptr);
  CallResult<LookupReply> first = host->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(first);
  ServiceClient client("echo", {.host_address = address, .retry_idempotent = true});
  ASSERT_TRUE(client.call("echo", {}, Deadline::after(2s)));
  // A non-idempotent call that crashes the service is not retried ...
  CallResult<Bytes> crash = client.call("crash", {}, Deadline::after(5s));
  ASSERT_FALSE(crash);
  EXPECT_EQ(crash.error().code, Errc::peer_died);
  EXPECT_EQ(client.stats().retries, 0u);
  // ... an idempotent one in flight during a crash is, transparently.
  CallResult<LookupReply> second = host->wait_running("echo", Deadline::after(5s), first->generation);
  ASSERT_TRUE(second);
  ServiceClient other("echo", {.host_address = address});
  ASSERT_TRUE(other.call("echo", {}, Deadline::after(2s)));
  std::thread crasher([&] {
    std::this_thread::sleep_for(100ms);
    (void)other.call("crash", {}, Deadline::after(5s));
  });
  CallResult<Bytes> slow = client.call("sleep", u64_bytes(500), Deadline::after(10s), Idempotent::yes);
  crasher.join();
  ASSERT_TRUE(slow) << slow.error().message();
  EXPECT_EQ(client.stats().retries, 1u);
  EXPECT_GT(client.generation(), second->generation);
}

TEST(Host, ATransientServiceRestartsOnlyAfterAnAbnormalExit) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address, "restart = \"transient\"\n"));
  ASSERT_NE(host, nullptr);
  CallResult<LookupReply> first = host->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(first);
  ServiceClient client("echo", {.host_address = address});
  (void)client.call("exit", Bytes{std::byte{3}}, Deadline::after(5s));
  ASSERT_TRUE(host->wait_running("echo", Deadline::after(5s), first->generation));
  (void)client.call("exit", Bytes{std::byte{0}}, Deadline::after(5s));
  ASSERT_TRUE(wait_state(*host, "stopped"));
  CallResult<Bytes> after = client.call("echo", {}, Deadline::after(1s));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::service_unavailable);
}

TEST(Host, ATemporaryServiceIsNeverRestarted) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address, "restart = \"temporary\"\n"));
  ASSERT_NE(host, nullptr);
  ASSERT_TRUE(host->wait_running("echo", Deadline::after(5s)));
  ServiceClient client("echo", {.host_address = address});
  (void)client.call("crash", {}, Deadline::after(5s));
  ASSERT_TRUE(wait_state(*host, "stopped"));
}

TEST(Host, TooManyRestartsInTheWindowMarkTheServiceFailed) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address, "max_restarts = 2\nrestart_window_ms = 60000\n"));
  ASSERT_NE(host, nullptr);
  ServiceClient client("echo", {.host_address = address});
  std::uint64_t generation = 0;
  for (int crash = 0; crash < 3; ++crash) {
    CallResult<LookupReply> up = host->wait_running("echo", Deadline::after(5s), generation);
    ASSERT_TRUE(up) << "crash " << crash;
    generation = up->generation;
    (void)client.call("crash", {}, Deadline::after(5s));
  }
  ASSERT_TRUE(wait_state(*host, "failed"));
  CallResult<Bytes> after = client.call("echo", {}, Deadline::after(1s));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::service_unavailable);
  EXPECT_NE(after.error().detail.find("failed"), std::string::npos) << after.error().detail;
}

// Property: only the process itself can register under its pid, and only
// for names in the manifest.
TEST(Host, RegistrationIsCheckedAgainstCredentialsAndTheManifest) {
  const std::string address = unique_host_address();
  auto host = start_host(echo_manifest(address));
  ASSERT_NE(host, nullptr);
  Result<Client> raw = Client::connect(address, Deadline::after(2s));
  ASSERT_TRUE(raw);
  CallResult<RegisterReply> spoofed =
      raw->call<RegisterReply>("host.register", RegisterRequest{"echo", "unix:@evil", 1}, Deadline::after(2s));
  ASSERT_FALSE(spoofed);
  EXPECT_EQ(spoofed.error().code, Errc::permission_denied);
  CallResult<RegisterReply> stranger = raw->call<RegisterReply>(
      "host.register", RegisterRequest{"stranger", "unix:@x", static_cast<std::uint64_t>(::getpid())}, Deadline::after(2s));
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, Errc::not_found);
  ASSERT_TRUE(host->wait_running("echo", Deadline::after(5s)));
  CallResult<RegisterReply> hijack = raw->call<RegisterReply>(
      "host.register", RegisterRequest{"echo", "unix:@evil", static_cast<std::uint64_t>(::getpid())}, Deadline::after(2s));
  ASSERT_FALSE(hijack);
  EXPECT_EQ(hijack.error().code, Errc::rejected);
}

// A host that is killed loses nothing: the service keeps serving its
// clients, and a new host adopts it instead of starting a second one.
TEST(Host, AKilledHostIsReplacedAndAdoptsTheRunningService) {
  const std::string address = unique_host_address();
  const Manifest manifest = echo_manifest(address);
  const pid_t host_pid = ::fork();
  ASSERT_GE(host_pid, 0);
  if (host_pid == 0) {
    HostOptions options;
    options.manifest = manifest;
    auto host = Host::start(std::move(options));
    if (!host) ::_exit(3);
    for (;;) ::pause();
  }
  ServiceClient client("echo", {.host_address = address});
  CallResult<Bytes> pid_reply = CallError{};
  for (int i = 0; i < 500 && !pid_reply; ++i) {
    pid_reply = client.call("pid", {}, Deadline::after(1s));
    if (!pid_reply) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(pid_reply) << pid_reply.error().message();
  const std::uint64_t service_pid = u64_of(*pid_reply);

  ASSERT_EQ(::kill(host_pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(host_pid, &status, 0), host_pid);
  // The service outlives its host and still answers on its connection.
  CallResult<Bytes> still = client.call("pid", {}, Deadline::after(2s));
  ASSERT_TRUE(still) << still.error().message();
  EXPECT_EQ(u64_of(*still), service_pid);

  auto replacement = start_host(manifest, 3000ms);
  ASSERT_NE(replacement, nullptr);
  CallResult<LookupReply> adopted = replacement->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(adopted) << adopted.error().message();
  EXPECT_EQ(adopted->pid, service_pid) << "the new host started a second instance instead of adopting";
  // Supervision covers the adopted service too.
  (void)client.call("crash", {}, Deadline::after(5s));
  CallResult<LookupReply> restarted = replacement->wait_running("echo", Deadline::after(10s), adopted->generation);
  ASSERT_TRUE(restarted) << restarted.error().message();
  EXPECT_NE(restarted->pid, service_pid);
}

}  // namespace
}  // namespace missive::service
