// net: framed messages over Unix sockets. Properties: frames arrive whole, in
// order and intact whatever the sizes and however the kernel splits them; a
// peer that breaks framing gets a wire error, never a crash or a hang; no call
// blocks past its deadline.
#include "missive/net/unix_stream.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "frame_header.hpp"
#include "missive/net/unix_listener.hpp"

namespace missive::net {
namespace {

using namespace std::chrono_literals;
using platform::SocketType;

std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((seed * 131u + i * 7u) & 0xFFu);
  return out;
}

std::pair<UnixStream, UnixStream> make_pair(SocketType type, const StreamOptions& options = {}) {
  auto p = UnixStream::pair(type, options);
  if (!p) std::abort();
  return std::move(*p);
}

TEST(FrameHeader, MatchesTheWireEncoder) {
  const auto payload = pattern(1000, 3);
  const FrameHeaderFields fields{7, 42, 0x1122334455667788u};
  detail::FrameHeaderBytes header;
  detail::encode_frame_header(fields, payload, header);
  std::vector<std::byte> frame(header.begin(), header.end());
  frame.insert(frame.end(), payload.begin(), payload.end());
  std::vector<std::byte> reference;
  ASSERT_TRUE(append_frame(fields, payload, reference));
  EXPECT_EQ(frame, reference);
  auto view = decode_frame(frame);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_EQ(view->header.fields(), fields);
}

class Stream : public ::testing::TestWithParam<SocketType> {};

TEST_P(Stream, RandomSizesArriveWholeAndInOrder) {
  auto [a, b] = make_pair(GetParam());
  constexpr int count = 2000;
  std::thread writer([&, &a = a] {
    std::mt19937 rng(1);
    for (int i = 0; i < count; ++i) {
      const auto payload = pattern(rng() % 20000, static_cast<std::uint32_t>(i));
      ASSERT_TRUE(a.send(payload, Deadline::after(10s), {0, 1, static_cast<std::uint64_t>(i)}));
    }
  });
  std::mt19937 rng(1);
  std::vector<std::byte> got;
  for (int i = 0; i < count; ++i) {
    auto fields = b.recv(got, Deadline::after(10s));
    ASSERT_TRUE(fields) << fields.error().message();
    EXPECT_EQ(fields->request_id, static_cast<std::uint64_t>(i));
    ASSERT_EQ(got, pattern(rng() % 20000, static_cast<std::uint32_t>(i)));
  }
  writer.join();
}

TEST_P(Stream, BatchIsDecodedFromFewReads) {
  auto [a, b] = make_pair(GetParam());
  std::vector<std::vector<std::byte>> payloads;
  std::vector<std::span<const std::byte>> spans;
  // 200: a seqpacket socket queues about 270 small packets (sndbuf / skb truesize).
  for (std::uint32_t i = 0; i < 200; ++i) payloads.push_back(pattern(i % 64, i));
  for (const auto& p : payloads) spans.emplace_back(p);
  auto sent = a.send_batch(spans, Deadline::after(5s));
  ASSERT_TRUE(sent) << sent.error().message();
  EXPECT_EQ(*sent, payloads.size());
  std::vector<std::byte> got;
  ASSERT_TRUE(b.recv(got, Deadline::after(5s)));
  EXPECT_EQ(got, payloads[0]);
  // Everything else is already in the socket or the reader's buffer: no waiting.
  for (std::size_t i = 1; i < payloads.size(); ++i) {
    ASSERT_TRUE(b.try_recv(got)) << i;
    ASSERT_EQ(got, payloads[i]);
  }
  EXPECT_EQ(b.try_recv(got).code(), Errc::would_block);
}

TEST_P(Stream, BackpressureThenEverythingCommittedArrives) {
  auto [a, b] = make_pair(GetParam());
  const auto payload = pattern(3000, 9);
  int sent = 0;
  while (true) {
    Status s = a.try_send(payload);
    if (!s) {
      ASSERT_EQ(s.code(), Errc::would_block);
      break;
    }
    ASSERT_LT(++sent, 100000) << "try_send never reported would_block";
  }
  const auto start = Clock::now();
  EXPECT_EQ(a.send(payload, Deadline::after(50ms)).code(), Errc::timed_out);
  EXPECT_LT(Clock::now() - start, 2s);
  std::thread reader([&, &b = b] {
    std::vector<std::byte> got;
    for (int i = 0; i < sent; ++i) {
      ASSERT_TRUE(b.recv(got, Deadline::after(5s))) << i;
      ASSERT_EQ(got, payload);
    }
  });
  EXPECT_TRUE(a.flush(Deadline::after(5s)));
  reader.join();
}

TEST_P(Stream, RecvDeadline) {
  auto [a, b] = make_pair(GetParam());
  std::vector<std::byte> got;
  const auto start = Clock::now();
  EXPECT_EQ(b.recv(got, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  EXPECT_EQ(b.try_recv(got).code(), Errc::would_block);
}

TEST_P(Stream, OrderlyCloseDrainsThenClosed) {
  auto [a, b] = make_pair(GetParam());
  for (std::uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(a.send(pattern(100, i), Deadline::after(1s)));
  a.close();
  std::vector<std::byte> got;
  for (std::uint32_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(b.recv(got, Deadline::after(1s)));
    EXPECT_EQ(got, pattern(100, i));
  }
  EXPECT_EQ(b.recv(got, Deadline::after(1s)).code(), Errc::closed);
  // Sending to a closed peer is an error value, not SIGPIPE.
  EXPECT_EQ(b.send(pattern(10, 1), Deadline::after(1s)).code(), Errc::closed);
  EXPECT_EQ(a.send(pattern(10, 1), Deadline::after(1s)).code(), Errc::closed);
}

TEST_P(Stream, TooLargeIsRefusedOnBothSides) {
  StreamOptions small;
  small.limits.max_frame_bytes = 1024;
  auto [a, b] = make_pair(GetParam(), small);
  EXPECT_EQ(a.send(pattern(2000, 1), Deadline::after(1s)).code(), Errc::too_large);
  // A peer with a larger limit sends one; the small reader rejects it from the header.
  auto big = UnixStream::adopt(platform::Fd(::dup(a.fd().get())), GetParam());
  ASSERT_TRUE(big.send(pattern(2000, 1), Deadline::after(1s)));
  std::vector<std::byte> got;
  EXPECT_EQ(b.recv(got, Deadline::after(1s)).code(), Errc::too_large);
  EXPECT_EQ(b.recv(got, Deadline::after(1s)).code(), Errc::too_large);  // sticky
}

INSTANTIATE_TEST_SUITE_P(Types, Stream, ::testing::Values(SocketType::stream, SocketType::seqpacket),
                         [](const auto& p) { return p.param == SocketType::stream ? "stream" : "seqpacket"; });

// Raw writes on the peer socket, the way a hostile or broken peer would.
void raw_write(const platform::Fd& fd, std::span<const std::byte> bytes) {
  ASSERT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

std::vector<std::byte> good_frame(std::size_t size) {
  std::vector<std::byte> out;
  if (!append_frame({}, pattern(size, 5), out)) std::abort();
  return out;
}

Errc recv_code_after(SocketType type, std::span<const std::byte> raw, bool close_after = false) {
  auto [a, b] = make_pair(type);
  raw_write(a.fd(), raw);
  if (close_after) a.close();
  std::vector<std::byte> got;
  return b.recv(got, Deadline::after(1s)).code();
}

TEST(StreamHostile, GarbageIsBadMagic) {
  std::vector<std::byte> junk(100, std::byte{0x41});
  EXPECT_EQ(recv_code_after(SocketType::stream, junk), Errc::bad_magic);
  EXPECT_EQ(recv_code_after(SocketType::seqpacket, junk), Errc::bad_magic);
}

TEST(StreamHostile, WrongVersionLengthAndChecksum) {
  for (SocketType type : {SocketType::stream, SocketType::seqpacket}) {
    auto frame = good_frame(50);
    frame[frame_offset::version] = std::byte{9};
    EXPECT_EQ(recv_code_after(type, frame), Errc::unsupported_version);
    frame = good_frame(50);
    frame[frame_offset::header_length] = std::byte{4};
    EXPECT_EQ(recv_code_after(type, frame), Errc::malformed_frame);
    frame = good_frame(50);
    frame[frame_offset::payload_length + 3] = std::byte{0x7F};  // ~2 GiB announced
    EXPECT_EQ(recv_code_after(type, frame), Errc::too_large);
    frame = good_frame(50);
    frame.back() ^= std::byte{1};
    EXPECT_EQ(recv_code_after(type, frame), Errc::bad_checksum);
  }
}

TEST(StreamHostile, EofInsideAFrameIsClosed) {
  const auto frame = good_frame(500);
  EXPECT_EQ(recv_code_after(SocketType::stream, std::span(frame).first(100), true), Errc::closed);
}

TEST(StreamHostile, PacketThatDisagreesWithItsFrame) {
  const auto frame = good_frame(500);
  EXPECT_EQ(recv_code_after(SocketType::seqpacket, std::span(frame).first(100)), Errc::malformed_frame);
  EXPECT_EQ(recv_code_after(SocketType::seqpacket, std::span(frame).first(10)), Errc::truncated);
}

TEST(StreamHostile, FrameTrickledByteByByte) {
  // Partial reads: the reader assembles a frame from many short reads.
  auto [a, b] = make_pair(SocketType::stream);
  const auto frame = good_frame(300);
  std::thread writer([&, &a = a] {
    for (std::size_t i = 0; i < frame.size(); i += 7) {
      raw_write(a.fd(), std::span(frame).subspan(i, std::min<std::size_t>(7, frame.size() - i)));
      std::this_thread::sleep_for(100us);
    }
  });
  std::vector<std::byte> got;
  ASSERT_TRUE(b.recv(got, Deadline::after(5s)));
  EXPECT_EQ(got, pattern(300, 5));
  writer.join();
}

TEST(UnixListener, AcceptsFramedStreams) {
  const std::string name = "@missive-net-test-" + std::to_string(::getpid());
  auto listener = UnixListener::listen(name, SocketType::seqpacket);
  ASSERT_TRUE(listener) << listener.error().message();
  auto client = UnixStream::connect(name, SocketType::seqpacket, Deadline::after(1s));
  ASSERT_TRUE(client);
  auto server = listener->accept(Deadline::after(1s));
  ASSERT_TRUE(server);
  ASSERT_TRUE(client->send(pattern(10, 1), Deadline::after(1s)));
  std::vector<std::byte> got;
  ASSERT_TRUE(server->recv(got, Deadline::after(1s)));
  EXPECT_EQ(got, pattern(10, 1));
  EXPECT_EQ(listener->accept(Deadline::after(10ms)).code(), Errc::timed_out);
}

}  // namespace
}  // namespace missive::net
