// Server and Client over every transport: calls, errors carried end to end,
// asynchronous calls, notifications, deadlines, duplicates, hostile envelopes,
// fair-queue dispatch, and a server that dies under its clients.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <thread>

#include "missive/service/client.hpp"
#include "missive/service/envelope.hpp"
#include "missive/service/server.hpp"
#include "missive/service/stats_protocol.hpp"
#include "missive/transport/connection.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

Bytes bytes_of(std::string_view text) {
  Bytes out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string unique_address(const std::string& scheme) {
  static std::atomic<int> counter{0};
  const std::string name = "missive-svc-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  if (scheme == "unix") return "unix:@" + name;
  return scheme + "://" + name;
}

// A server with the methods the tests use.
std::unique_ptr<Server> make_server(const std::string& address, ServerOptions options = {}) {
  Result<std::unique_ptr<Server>> server = Server::create(address, options);
  EXPECT_TRUE(server) << server.error().message();
  if (!server) return nullptr;
  auto& s = **server;
  s.handle("echo", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    return Bytes(body.begin(), body.end());
  });
  s.handle("fail", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    return CallError{Errc::rejected, "refused because " + text_of(body)};
  });
  s.handle("throw", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    throw std::runtime_error("boom");
  });
  s.handle("sleep", [](const CallContext& ctx, std::span<const std::byte> body) -> CallResult<Bytes> {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(text_of(body))));
    return bytes_of(std::to_string(ctx.request_id));
  });
  s.handle("budget", [](const CallContext& ctx, std::span<const std::byte>) -> CallResult<Bytes> {
    return bytes_of(ctx.deadline.is_never() ? "never" : "bounded");
  });
  EXPECT_TRUE(s.start());
  return std::move(*server);
}

class ServerClient : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    address_ = unique_address(GetParam());
    server_ = make_server(address_);
    ASSERT_NE(server_, nullptr);
  }
  Client connect() {
    Result<Client> c = Client::connect(address_, Deadline::after(2s));
    EXPECT_TRUE(c) << c.error().message();
    return std::move(*c);
  }
  std::string address_;
  std::unique_ptr<Server> server_;
};

TEST_P(ServerClient, CallReturnsTheReply) {
  Client client = connect();
  CallResult<Bytes> reply = client.call("echo", bytes_of("hello"), Deadline::after(2s));
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(text_of(*reply), "hello");
  EXPECT_EQ(server_->stats().calls, 1u);
}

TEST_P(ServerClient, UnknownMethodIsNotFound) {
  Client client = connect();
  CallResult<Bytes> reply = client.call("nope", {}, Deadline::after(2s));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::not_found);
  EXPECT_NE(reply.error().detail.find("nope"), std::string::npos);
}

TEST_P(ServerClient, HandlerErrorsArriveWithTheirDetail) {
  Client client = connect();
  CallResult<Bytes> reply = client.call("fail", bytes_of("policy"), Deadline::after(2s));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().message(), "rejected: refused because policy");
}

TEST_P(ServerClient, AThrowingHandlerBecomesAnErrorAndTheServerKeepsServing) {
  Client client = connect();
  CallResult<Bytes> reply = client.call("throw", {}, Deadline::after(2s));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::system_error);
  EXPECT_NE(reply.error().detail.find("boom"), std::string::npos);
  EXPECT_TRUE(client.call("echo", bytes_of("x"), Deadline::after(2s)));
}

TEST_P(ServerClient, AsynchronousCallsAreCollectedInAnyOrder) {
  Client client = connect();
  Result<std::uint64_t> first = client.send_call("echo", bytes_of("one"), Deadline::after(2s));
  Result<std::uint64_t> second = client.send_call("echo", bytes_of("two"), Deadline::after(2s));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(client.in_flight(), 2u);
  CallResult<Bytes> two = client.wait_reply(*second, Deadline::after(2s));
  CallResult<Bytes> one = client.wait_reply(*first, Deadline::after(2s));
  ASSERT_TRUE(one && two);
  EXPECT_EQ(text_of(*one), "one");
  EXPECT_EQ(text_of(*two), "two");
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_P(ServerClient, NotificationsGetNoReply) {
  Client client = connect();
  ASSERT_TRUE(client.notify("echo", bytes_of("fire and forget"), Deadline::after(2s)));
  // The next call's reply is its own, not the notification's.
  CallResult<Bytes> reply = client.call("echo", bytes_of("call"), Deadline::after(2s));
  ASSERT_TRUE(reply);
  EXPECT_EQ(text_of(*reply), "call");
  EXPECT_EQ(server_->stats().notifications, 1u);
}

TEST_P(ServerClient, ADeadlineEndsTheWaitAndTheLateReplyIsDiscarded) {
  Client client = connect();
  const auto start = Clock::now();
  CallResult<Bytes> slow = client.call("sleep", bytes_of("300"), Deadline::after(50ms));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, Errc::timed_out);
  EXPECT_LT(Clock::now() - start, 250ms);
  CallResult<Bytes> next = client.call("echo", bytes_of("after"), Deadline::after(2s));
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(text_of(*next), "after");  // not the late sleep reply
  EXPECT_EQ(client.stats().late_replies, 1u);
}

TEST_P(ServerClient, TheCallersBudgetReachesTheHandler) {
  Client client = connect();
  CallResult<Bytes> bounded = client.call("budget", {}, Deadline::after(2s));
  CallResult<Bytes> unbounded = client.call("budget", {}, Deadline::never());
  ASSERT_TRUE(bounded && unbounded);
  EXPECT_EQ(text_of(*bounded), "bounded");
  EXPECT_EQ(text_of(*unbounded), "never");
}

// Property: a repeated request id on one connection is never executed twice.
TEST_P(ServerClient, ARepeatedRequestIdIsRejected) {
  Result<transport::Connection> raw = transport::connect(address_, Deadline::after(2s));
  ASSERT_TRUE(raw);
  Request request;
  request.id = 5;
  request.method = "echo";
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(raw->send(encode_message(request), Deadline::after(2s)));
  Result<Reply> first = raw->recv_message<Reply>(Deadline::after(2s));
  Result<Reply> second = raw->recv_message<Reply>(Deadline::after(2s));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, Errc::ok);
  EXPECT_EQ(second->status, Errc::rejected);
  EXPECT_EQ(server_->stats().duplicates, 1u);
}

// Property: an id below the highest seen (a retry, or ids out of order) is
// still checked against the window: new ones run, repeated ones never do.
TEST_P(ServerClient, OutOfOrderIdsAreNewAndTheirRepeatsAreRejected) {
  Result<transport::Connection> raw = transport::connect(address_, Deadline::after(2s));
  ASSERT_TRUE(raw);
  const std::uint64_t ids[] = {7, 3, 9, 3, 7, 4};
  const Errc expected[] = {Errc::ok, Errc::ok, Errc::ok, Errc::rejected, Errc::rejected, Errc::ok};
  for (std::size_t i = 0; i < std::size(ids); ++i) {
    Request request;
    request.id = ids[i];
    request.method = "echo";
    ASSERT_TRUE(raw->send(encode_message(request), Deadline::after(2s)));
    Result<Reply> reply = raw->recv_message<Reply>(Deadline::after(2s));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->id, ids[i]);
    EXPECT_EQ(reply->status, expected[i]) << "request " << i << " (id " << ids[i] << ")";
  }
  EXPECT_EQ(server_->stats().duplicates, 2u);
}

// Property: hostile envelopes get an error (or nothing) and never stop the server.
TEST_P(ServerClient, HostileEnvelopesAreRefusedAndTheServerKeepsServing) {
  Result<transport::Connection> raw = transport::connect(address_, Deadline::after(2s));
  ASSERT_TRUE(raw);
  const Bytes garbage = bytes_of("\xff\xff\xff\xff not a record");
  ASSERT_TRUE(raw->send(garbage, Deadline::after(2s)));
  RecordWriter bad_kind;
  bad_kind.add_u64(1, 9).add_u64(2, 77).add_string(3, "echo");
  ASSERT_TRUE(raw->send(std::move(bad_kind).take(), Deadline::after(2s)));
  Result<Reply> refused = raw->recv_message<Reply>(Deadline::after(2s));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->id, 9u);
  EXPECT_EQ(refused->status, Errc::malformed_record);
  Request future;
  future.id = 10;
  future.method = "echo";
  future.version = 2;
  ASSERT_TRUE(raw->send(encode_message(future), Deadline::after(2s)));
  Result<Reply> unsupported = raw->recv_message<Reply>(Deadline::after(2s));
  ASSERT_TRUE(unsupported);
  EXPECT_EQ(unsupported->status, Errc::unsupported_version);
  EXPECT_EQ(server_->stats().bad_requests, 3u);
  Client client = connect();
  EXPECT_TRUE(client.call("echo", bytes_of("still here"), Deadline::after(2s)));
}

TEST_P(ServerClient, StopEndsEveryClientsCallsWithPeerDied) {
  Client client = connect();
  ASSERT_TRUE(client.call("echo", {}, Deadline::after(2s)));
  server_->stop();
  CallResult<Bytes> after = client.call("echo", {}, Deadline::after(2s));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::peer_died);
  EXPECT_TRUE(client.broken());
}

INSTANTIATE_TEST_SUITE_P(Transports, ServerClient, ::testing::Values("inproc", "unix", "shm"),
                         [](const auto& param_info) { return param_info.param; });

// Fair-queue dispatch: several clients, each served; per-client statistics.
TEST(ServerFairQueue, ServesEveryClientAndKeepsPerClientStatistics) {
  ServerOptions options;
  options.dispatch = Dispatch::fair_queue;
  options.workers = 2;
  const std::string address = unique_address("unix");
  std::unique_ptr<Server> server = make_server(address, options);
  ASSERT_NE(server, nullptr);
  constexpr int clients = 4;
  constexpr int calls = 200;
  std::atomic<int> failures{0};
  // The clients stay connected until the statistics are read (a client that
  // leaves takes its flow with it).
  std::vector<Client> connections;
  for (int c = 0; c < clients; ++c) {
    Result<Client> client = Client::connect(address, Deadline::after(2s));
    ASSERT_TRUE(client);
    connections.push_back(std::move(*client));
  }
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client& client = connections[static_cast<std::size_t>(c)];
      for (int i = 0; i < calls; ++i) {
        const std::string text = std::to_string(c) + ":" + std::to_string(i);
        CallResult<Bytes> reply = client.call("echo", bytes_of(text), Deadline::after(5s));
        if (!reply || text_of(*reply) != text) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<sched::FlowStats> flows = server->flow_stats();
  EXPECT_EQ(flows.size(), static_cast<std::size_t>(clients));
  std::uint64_t served = 0;
  for (const auto& f : flows) served += f.messages;
  EXPECT_EQ(served, static_cast<std::uint64_t>(clients * calls));
}

TEST(ServerCreate, AnAddressInUseIsAClearError) {
  const std::string address = unique_address("unix");
  std::unique_ptr<Server> first = make_server(address);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<Server>> second = Server::create(address);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), Errc::address_in_use);
}

}  // namespace
}  // namespace missive::service

namespace missive::service {
namespace {

TEST(ServerStatsMethod, EveryServerDescribesItself) {
  const std::string address = unique_address("unix");
  std::unique_ptr<Server> server = make_server(address);
  ASSERT_NE(server, nullptr);
  Result<Client> client = Client::connect(address, Deadline::after(2s));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->call("echo", {}, Deadline::after(2s)));
  CallResult<StatsReply> stats = client->call<StatsReply>(stats_method, StatsRequest{}, Deadline::after(2s));
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->pid, static_cast<std::uint64_t>(::getpid()));
  EXPECT_EQ(stats->server.calls, 2u);  // echo and this call
  EXPECT_EQ(stats->server.open_connections, 1u);
}

}  // namespace
}  // namespace missive::service

namespace missive::service {
namespace {

// Two clients keep a fair-queued server saturated (16 calls outstanding
// each), one with 64-byte requests and one with 64 KiB requests; the
// handler's time grows with the request size (30 ns per byte), so the server,
// not the transport, is the bottleneck. Returns the messages served per
// client (small, large) once `total` calls have been served.
std::pair<std::uint64_t, std::uint64_t> saturate(sched::FairnessMode mode, int total) {
  ServerOptions options;
  options.dispatch = Dispatch::fair_queue;
  options.scheduling.mode = mode;
  options.workers = 1;
  // inproc: moving a 64 KiB request must stay far cheaper than serving it,
  // also under sanitizers, or the large client's flow runs dry.
  const std::string address = unique_address("inproc");
  auto server = Server::create(address, options);
  EXPECT_TRUE(server);
  (*server)->handle("work", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    // Sleeping, not spinning: the clients and reader threads need the CPUs.
    std::this_thread::sleep_for(std::chrono::nanoseconds(30 * body.size()));
    return Bytes(8, std::byte{1});
  });
  EXPECT_TRUE((*server)->start());
  std::atomic<int> served{0};
  std::atomic<bool> stop{false};
  auto client_loop = [&](std::size_t size) {
    Result<Client> client = Client::connect(address, Deadline::after(2s));
    if (!client) return;
    const Bytes body(size, std::byte{1});
    std::deque<std::uint64_t> window;
    while (!stop.load()) {
      while (window.size() < 16) {
        Result<std::uint64_t> id = client->send_call("work", body, Deadline::after(10s));
        if (!id) return;
        window.push_back(*id);
      }
      if (!client->wait_reply(window.front(), Deadline::after(10s))) return;
      window.pop_front();
      served.fetch_add(1);
    }
  };
  std::thread small([&] { client_loop(64); });
  std::thread large([&] { client_loop(64 * 1024); });
  // Count only while both clients are connected and backlogged: from the
  // moment each flow has been served a few times, for `total` more calls.
  auto counts = [&] {
    std::pair<std::uint64_t, std::uint64_t> c{0, 0};
    for (const auto& f : (*server)->flow_stats()) {
      (f.mean_message_bytes < 1024 ? c.first : c.second) = f.messages;
    }
    return c;
  };
  const auto give_up = Clock::now() + 20s;
  std::pair<std::uint64_t, std::uint64_t> before = counts();
  while ((before.first < 4 || before.second < 4) && Clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
    before = counts();
  }
  const int start = served.load();
  while (served.load() < start + total && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  const std::pair<std::uint64_t, std::uint64_t> after = counts();
  stop = true;
  small.join();
  large.join();
  const std::uint64_t small_msgs = after.first - before.first;
  const std::uint64_t large_msgs = after.second - before.second;
  return {small_msgs, large_msgs};
}

// Issue 7 end to end: with weights proportional to message size, a client of
// small requests completes as many as a client of large ones.
TEST(ServerFairQueue, EqualMessagesModeServesSmallAndLargeClientsAtTheSameMessageRate) {
#if defined(__SANITIZE_THREAD__)
  // A rate measurement, not a race test: under TSan the clients cannot keep
  // the 64 KiB flow backlogged, so the count says nothing about the scheduler.
  GTEST_SKIP() << "timing-dependent; runs in the release and ASan builds";
#endif
  const auto [small, large] = saturate(sched::FairnessMode::equal_messages, 400);
  std::printf("equal_messages: served %llu small, %llu large\n", static_cast<unsigned long long>(small),
              static_cast<unsigned long long>(large));
  ASSERT_GT(small + large, 0u);
  const double ratio = static_cast<double>(small) / static_cast<double>(std::max<std::uint64_t>(large, 1));
  EXPECT_GT(ratio, 0.8) << small << " small vs " << large << " large";
  EXPECT_LT(ratio, 1.25) << small << " small vs " << large << " large";
}

TEST(ServerFairQueue, EqualBytesModeFavoursTheClientOfSmallRequests) {
  const auto [small, large] = saturate(sched::FairnessMode::equal_bytes, 400);
  std::printf("equal_bytes: served %llu small, %llu large\n", static_cast<unsigned long long>(small),
              static_cast<unsigned long long>(large));
  EXPECT_GT(small, 4 * large) << small << " small vs " << large << " large";
}

}  // namespace
}  // namespace missive::service
