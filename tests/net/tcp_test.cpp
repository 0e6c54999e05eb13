// net over TCP on 127.0.0.1. Properties: frames cross whole and in order;
// no call blocks past its deadline; the handshake admits exactly the trusted
// key that proves possession of its secret for THIS connection's nonces
// (never an unknown key, a forged or replayed signature, or garbage); a link
// reaches a restarted peer again; a full link queue refuses (would_block /
// timed_out) instead of dropping anything silently.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "missive/net/tcp_auth.hpp"
#include "missive/net/tcp_link.hpp"
#include "missive/net/tcp_stream.hpp"

namespace missive::net {
namespace {

using namespace std::chrono_literals;

std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((seed * 131u + i * 7u) & 0xFFu);
  return out;
}

KeySeed seed_of(std::uint8_t n) {
  KeySeed s{};
  s.fill(std::byte{n});
  return s;
}

Identity identity(std::uint8_t n) { return *Identity::from_seed(seed_of(n)); }

TcpListener listen_local() {
  auto l = TcpListener::listen("tcp://127.0.0.1:0");
  if (!l) std::abort();
  return std::move(*l);
}

std::pair<TcpStream, TcpStream> connected_pair(TcpListener& listener) {
  auto client = TcpStream::connect(listener.address(), Deadline::after(2s));
  if (!client) std::abort();
  auto server = listener.accept(Deadline::after(2s));
  if (!server) std::abort();
  return {std::move(*client), std::move(*server)};
}

TEST(TcpAddress, ParsesAndRefuses) {
  auto a = TcpAddress::parse("tcp://127.0.0.1:7000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7000);
  EXPECT_EQ(a->to_string(), "tcp://127.0.0.1:7000");
  auto v6 = TcpAddress::parse("tcp://[::1]:9");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "tcp://[::1]:9");
  EXPECT_EQ(TcpAddress::parse("tcp://localhost:1")->host, "127.0.0.1");
  for (const char* bad : {"unix:@x", "tcp://127.0.0.1", "tcp://:80", "tcp://1.2.3.4:65536", "tcp://1.2.3.4:8x",
                          "tcp://::1:80", "tcp://example.org:80", "tcp://[::1]80"}) {
    EXPECT_EQ(TcpAddress::parse(bad).code(), Errc::invalid_argument) << bad;
  }
}

TEST(TcpStream, FramesCrossWholeAndInOrder) {
  TcpListener listener = listen_local();
  auto [client, server] = connected_pair(listener);
  const std::vector<std::size_t> sizes = {0, 1, 31, 32, 256, 4096, 65536, 1 << 20};
  std::thread writer([&, &c = client] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      ASSERT_TRUE(c.send(pattern(sizes[i], static_cast<std::uint32_t>(i)), Deadline::after(5s),
                         FrameHeaderFields{0, 7, i}));
    }
  });
  std::vector<std::byte> got;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    auto fields = server.recv(got, Deadline::after(5s));
    ASSERT_TRUE(fields) << fields.error().message();
    EXPECT_EQ(fields->request_id, i);
    EXPECT_EQ(fields->message_type, 7u);
    EXPECT_EQ(got, pattern(sizes[i], static_cast<std::uint32_t>(i)));
  }
  writer.join();
  client.close();
  EXPECT_EQ(server.recv(got, Deadline::after(2s)).code(), Errc::closed);
}

TEST(TcpStream, DeadlinesAreKept) {
  TcpListener listener = listen_local();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(listener.accept(Deadline::after(50ms)).code(), Errc::timed_out);
  auto [client, server] = connected_pair(listener);
  std::vector<std::byte> got;
  EXPECT_EQ(server.recv(got, Deadline::after(50ms)).code(), Errc::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  // A send with nobody reading: the socket buffers fill, then timed_out, never a hang.
  const auto big = pattern(1 << 20, 1);
  Status last = ok();
  for (int i = 0; i < 200 && last; ++i) last = client.send(big, Deadline::after(50ms));
  EXPECT_EQ(last.code(), Errc::timed_out);
}

TEST(TcpStream, ConnectToNobodyIsRefused) {
  std::uint16_t port = 0;
  {
    TcpListener l = listen_local();
    port = l.port();
  }
  auto s = TcpStream::connect("tcp://127.0.0.1:" + std::to_string(port), Deadline::after(1s));
  EXPECT_EQ(s.code(), Errc::refused);
}

TEST(TcpStream, GarbageBytesAreAWireErrorAndSticky) {
  TcpListener listener = listen_local();
  auto [client, server] = connected_pair(listener);
  const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n......";
  ASSERT_EQ(::send(client.fd().get(), junk, sizeof junk, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof junk));
  std::vector<std::byte> got;
  auto r = server.recv(got, Deadline::after(2s));
  EXPECT_EQ(r.code(), Errc::bad_magic);
  // A valid frame afterwards is not accepted: framing is lost for good.
  ASSERT_TRUE(client.send(pattern(10, 1), Deadline::after(1s)));
  EXPECT_EQ(server.recv(got, Deadline::after(200ms)).code(), Errc::bad_magic);
}

// ------------------------------------------------------------------ auth

struct Handshake {
  Result<AuthenticatedPeer> client = Error{Errc::timed_out, "not run yet"};
  Result<AuthenticatedPeer> server = Error{Errc::timed_out, "not run yet"};
};

Handshake run_handshake(const Identity& client_id, const std::vector<NodeKey>& client_trusts,
                        std::optional<std::size_t> expected, const Identity& server_id,
                        const std::vector<NodeKey>& server_trusts) {
  TcpListener listener = listen_local();
  auto [client, server] = connected_pair(listener);
  Handshake h;
  std::thread t([&, &s = server] { h.server = authenticate_server(s, server_id, server_trusts, Deadline::after(2s)); });
  h.client = authenticate_client(client, client_id, client_trusts, expected, Deadline::after(2s));
  t.join();
  return h;
}

TEST(TcpAuth, TrustedKeysAuthenticateBothWays) {
  const Identity a = identity(1), b = identity(2);
  const std::vector<NodeKey> members = {a.public_key(), b.public_key()};
  Handshake h = run_handshake(a, members, 1, b, members);
  ASSERT_TRUE(h.client) << h.client.error().message();
  ASSERT_TRUE(h.server) << h.server.error().message();
  EXPECT_EQ(h.client->index, 1u);
  EXPECT_EQ(h.server->index, 0u);
}

TEST(TcpAuth, UnknownClientKeyIsRejected) {
  const Identity a = identity(1), b = identity(2), stranger = identity(9);
  const std::vector<NodeKey> members = {a.public_key(), b.public_key()};
  Handshake h = run_handshake(stranger, members, 1, b, members);
  EXPECT_EQ(h.server.code(), Errc::permission_denied);
  EXPECT_EQ(h.client.code(), Errc::refused);
}

TEST(TcpAuth, UnknownOrUnexpectedServerKeyIsRejected) {
  const Identity a = identity(1), b = identity(2), c = identity(3), stranger = identity(9);
  Handshake h = run_handshake(a, {a.public_key(), b.public_key()}, 1, stranger, {a.public_key()});
  EXPECT_EQ(h.client.code(), Errc::permission_denied);
  EXPECT_FALSE(h.server);
  // A member answering where we dialled another member.
  const std::vector<NodeKey> members = {a.public_key(), b.public_key(), c.public_key()};
  Handshake wrong = run_handshake(a, members, 1, c, members);
  EXPECT_EQ(wrong.client.code(), Errc::permission_denied);
  EXPECT_FALSE(wrong.server);
}

// A client that claims a member's key but signs with another secret.
TEST(TcpAuth, ForgedClientSignatureIsRejected) {
  const Identity a = identity(1), b = identity(2), mallory = identity(7);
  const std::vector<NodeKey> members = {a.public_key(), b.public_key()};
  TcpListener listener = listen_local();
  auto [client, server] = connected_pair(listener);
  Result<AuthenticatedPeer> result = Error{Errc::timed_out, "not run yet"};
  std::thread t([&, &s = server] { result = authenticate_server(s, b, members, Deadline::after(2s)); });
  std::vector<std::byte> hello{std::byte{1}};
  hello.insert(hello.end(), a.public_key().begin(), a.public_key().end());
  const auto nonce = pattern(32, 5);
  hello.insert(hello.end(), nonce.begin(), nonce.end());
  ASSERT_TRUE(client.send(hello, Deadline::after(1s), FrameHeaderFields{0, auth_frame::hello, 0}));
  std::vector<std::byte> challenge;
  ASSERT_TRUE(client.recv(challenge, Deadline::after(1s)));
  ASSERT_EQ(challenge.size(), 128u);
  const auto transcript = auth_transcript(false, a.public_key(), nonce, b.public_key(),
                                          std::span<const std::byte>(challenge).subspan(32, 32));
  ASSERT_TRUE(client.send(mallory.sign(transcript), Deadline::after(1s), FrameHeaderFields{0, auth_frame::response, 0}));
  t.join();
  EXPECT_EQ(result.code(), Errc::bad_signature);
  std::vector<std::byte> reject;
  auto fields = client.recv(reject, Deadline::after(1s));
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->message_type, auth_frame::reject);
}

// A recorded response of an earlier, successful handshake does not open a new one.
TEST(TcpAuth, ReplayedResponseIsRejected) {
  const Identity a = identity(1), b = identity(2);
  const std::vector<NodeKey> members = {a.public_key(), b.public_key()};
  TcpListener listener = listen_local();
  const auto nonce = pattern(32, 5);
  std::vector<std::byte> hello{std::byte{1}};
  hello.insert(hello.end(), a.public_key().begin(), a.public_key().end());
  hello.insert(hello.end(), nonce.begin(), nonce.end());
  std::vector<std::byte> recorded;
  for (int round = 0; round < 2; ++round) {
    auto [client, server] = connected_pair(listener);
    Result<AuthenticatedPeer> result = Error{Errc::timed_out, "not run yet"};
    std::thread t([&, &s = server] { result = authenticate_server(s, b, members, Deadline::after(2s)); });
    ASSERT_TRUE(client.send(hello, Deadline::after(1s), FrameHeaderFields{0, auth_frame::hello, 0}));
    std::vector<std::byte> challenge;
    ASSERT_TRUE(client.recv(challenge, Deadline::after(1s)));
    if (round == 0) {
      const NodeSignature sig = a.sign(auth_transcript(false, a.public_key(), nonce, b.public_key(),
                                                       std::span<const std::byte>(challenge).subspan(32, 32)));
      recorded.assign(sig.begin(), sig.end());
    }
    ASSERT_TRUE(client.send(recorded, Deadline::after(1s), FrameHeaderFields{0, auth_frame::response, 0}));
    t.join();
    if (round == 0) {
      EXPECT_TRUE(result) << result.error().message();
    } else {
      EXPECT_EQ(result.code(), Errc::bad_signature);  // same hello, same response: new server nonce
    }
  }
}

TEST(TcpAuth, TruncatedGarbageOrSilentHandshakeFails) {
  const Identity b = identity(2);
  const std::vector<NodeKey> members = {identity(1).public_key(), b.public_key()};
  TcpListener listener = listen_local();
  struct Case {
    const char* name;
    std::function<void(TcpStream&)> act;
    Errc expect;
  };
  const std::vector<Case> cases = {
      {"short hello", [](TcpStream& c) { (void)c.send(pattern(10, 1), Deadline::after(1s), {0, auth_frame::hello, 0}); },
       Errc::malformed_frame},
      {"wrong type", [](TcpStream& c) { (void)c.send(pattern(65, 1), Deadline::after(1s), {0, 99, 0}); },
       Errc::malformed_frame},
      {"raw garbage", [](TcpStream& c) { (void)::send(c.fd().get(), "\x00\x01garbage-garbage-garbage-garbage!", 34, MSG_NOSIGNAL); },
       Errc::bad_magic},
      {"header cut short then close", [](TcpStream& c) {
         (void)::send(c.fd().get(), frame_magic.data(), 2, MSG_NOSIGNAL);
         c.shutdown_send();
       }, Errc::closed},
      {"silence", [](TcpStream&) {}, Errc::timed_out},
  };
  for (const Case& tc : cases) {
    auto [client, server] = connected_pair(listener);
    tc.act(client);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = authenticate_server(server, b, members, Deadline::after(300ms));
    EXPECT_EQ(r.code(), tc.expect) << tc.name << ": " << (r ? "ok" : r.error().message());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << tc.name;
  }
}

// ------------------------------------------------------------------ link

struct Receiver {
  // Accepts, authenticates and reads frames until `stop`; counts what arrived.
  explicit Receiver(TcpListener& l, const Identity& self, std::vector<NodeKey> trusted)
      : listener(l), id(self), keys(std::move(trusted)), thread([this] { run(); }) {}
  ~Receiver() {
    stop.store(true, std::memory_order_release);  // read by run(): ends its loops
    thread.join();
  }
  void run() {
    while (!stop.load(std::memory_order_acquire)) {
      auto s = listener.accept(Deadline::after(20ms));
      if (!s) continue;
      if (!authenticate_server(*s, id, keys, Deadline::after(1s))) continue;
      std::vector<std::byte> got;
      while (!stop.load(std::memory_order_acquire)) {
        auto r = s->recv(got, Deadline::after(20ms));
        if (r) {
          frames.fetch_add(1, std::memory_order_relaxed);  // a counter only
        } else if (r.code() != Errc::timed_out) {
          break;
        }
      }
    }
  }
  TcpListener& listener;
  Identity id;
  std::vector<NodeKey> keys;
  std::atomic<bool> stop{false};
  std::atomic<int> frames{0};
  std::thread thread;
};

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

TEST(TcpLink, DeliversAndReconnectsAfterThePeerRestarts) {
  const Identity a = identity(1), b = identity(2);
  const std::vector<NodeKey> members = {a.public_key(), b.public_key()};
  auto listener = std::make_optional(listen_local());
  const std::string address = listener->address();
  TcpLink link(LinkTarget{address, a, members, 1});
  auto frame = std::make_shared<const std::vector<std::byte>>(pattern(256, 1));
  {
    Receiver r(*listener, b, members);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(link.send(frame, Deadline::after(1s)));
    ASSERT_TRUE(wait_for([&] { return r.frames.load(std::memory_order_relaxed) == 100; }, 5s));
  }
  listener.reset();  // the peer is gone
  // Frames queued while it is down wait in the queue (not dropped).
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(link.send(frame, Deadline::after(1s)));
  std::this_thread::sleep_for(50ms);
  auto again = TcpListener::listen(address);  // restarted on the same port
  ASSERT_TRUE(again) << again.error().message();
  Receiver r2(*again, b, members);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(link.send(frame, Deadline::after(1s)));
  // At least the 10 sent after the restart arrive; the 10 sent meanwhile may
  // have gone into the dead socket (TCP gives no receipt), never more than 20.
  ASSERT_TRUE(wait_for([&] { return r2.frames.load(std::memory_order_relaxed) >= 10; }, 5s));
  EXPECT_LE(r2.frames.load(std::memory_order_relaxed), 20);
  EXPECT_GE(link.stats().connects, 2u);
}

TEST(TcpLink, FullQueueRefusesInsteadOfDropping) {
  const Identity a = identity(1), b = identity(2);
  std::uint16_t port = 0;
  {
    TcpListener l = listen_local();
    port = l.port();
  }
  LinkOptions options;
  options.queue_capacity = 8;
  TcpLink link(LinkTarget{"tcp://127.0.0.1:" + std::to_string(port), a, {a.public_key(), b.public_key()}, 1},
               options);
  auto frame = std::make_shared<const std::vector<std::byte>>(pattern(64, 1));
  // Nobody listens: the link thread may hold one batch in hand, the rest stays queued.
  int accepted = 0;
  Status last = ok();
  for (int i = 0; i < 100 && last; ++i) {
    last = link.try_send(frame);
    if (last) ++accepted;
  }
  EXPECT_EQ(last.code(), Errc::would_block);
  EXPECT_GE(accepted, 8);
  EXPECT_LE(accepted, 8 + static_cast<int>(options.frames_per_write));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(link.send(frame, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  EXPECT_FALSE(link.connected());
  EXPECT_GT(link.stats().failed_attempts, 0u);
  EXPECT_EQ(link.stats().last_error.code, Errc::refused);
}

}  // namespace
}  // namespace missive::net
