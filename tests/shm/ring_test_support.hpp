// ring_test_support.hpp - tests: ring pairs, message patterns, fd hand-over, and
// RingTestAccess, which lets a test play a hostile peer by writing the segments.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "missive/platform/fd_passing.hpp"
#include "missive/shm/ring_receiver.hpp"
#include "missive/shm/ring_sender.hpp"

namespace missive::shm::detail {

struct RingTestAccess {
  // The sender's writable view of its data segment (what a hostile sender may scribble on).
  static DataSegment& data(RingSender& sender) { return sender.data(); }
  static std::byte* ring(RingSender& sender) { return sender.data_map_.writable_bytes().data() + data_ring_offset; }
  static std::uint64_t tail(const RingSender& sender) { return sender.tail_; }
  // The consumer index the receiver published, as the sender sees it.
  static std::uint64_t head(const RingSender& sender) { return sender.control().peek_head(); }
  // The receiver's (read-only) view of the data segment.
  static std::span<const std::byte> receiver_data(const RingReceiver& receiver) { return receiver.data_map_.bytes(); }
  // The receiver's writable control segment (what a hostile receiver may scribble on).
  static ControlSegment& control(RingReceiver& receiver) { return receiver.control(); }
};

}  // namespace missive::shm::detail

namespace missive::shm::testing {

using Access = detail::RingTestAccess;

struct RingPair {
  RingSender sender;
  RingReceiver receiver;
};

// A sender and a receiver attached to it in this process (descriptors duplicated,
// as a peer process would hold its own).
inline RingPair make_pair(const RingConfig& config = {}, const WaitPolicy& sender_policy = {},
                          const WaitPolicy& receiver_policy = {}) {
  auto sender = RingSender::create(config, sender_policy);
  EXPECT_TRUE(sender) << sender.error().message();
  auto data = sender->data_fd().duplicate();
  auto control = sender->control_fd().duplicate();
  EXPECT_TRUE(data && control);
  auto receiver = RingReceiver::attach(std::move(*data), std::move(*control), receiver_policy);
  EXPECT_TRUE(receiver) << receiver.error().message();
  return RingPair{std::move(*sender), std::move(*receiver)};
}

// Message `seq` of `size` bytes: the sequence number first (when it fits),
// then bytes derived from (seq, index), so any reordering, loss, tear or
// duplicate shows.
inline std::vector<std::byte> make_message(std::uint64_t seq, std::size_t size) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((seq * 131 + i * 7 + (i >> 8)) & 0xFF);
  if (size != 0) std::memcpy(out.data(), &seq, std::min(size, sizeof seq));
  return out;
}
inline bool matches(std::uint64_t seq, std::span<const std::byte> got, std::size_t size) {
  if (got.size() != size) return false;
  const std::vector<std::byte> want = make_message(seq, size);
  return size == 0 || std::memcmp(want.data(), got.data(), size) == 0;
}

// FNV-1a: the receiver's "validation" of a message in the TOCTOU tests.
inline std::uint32_t fnv1a(std::span<const std::byte> bytes) {
  std::uint32_t hash = 2166136261U;
  for (std::byte b : bytes) hash = (hash ^ static_cast<std::uint32_t>(b)) * 16777619U;
  return hash;
}

// Hands a ring's descriptors to the peer at the other end of `socket`.
inline Status hand_over(const platform::Fd& socket, const RingSender& sender) {
  const int fds[] = {sender.data_fd().get(), sender.control_fd().get()};
  const std::byte tag[] = {std::byte{'R'}};
  return platform::send_fds(socket, tag, fds, Deadline::after(std::chrono::seconds(10)));
}

// Receives a ring's descriptors from `socket` and attaches to them.
inline Result<RingReceiver> take_over(const platform::Fd& socket, const WaitPolicy& policy = {}) {
  std::array<std::byte, 4> payload{};
  auto received = platform::recv_fds(socket, payload, Deadline::after(std::chrono::seconds(10)));
  if (!received) return received.error();
  if (received->fds.size() != 2) return Error{Errc::invalid_argument, "expected two ring descriptors"};
  return RingReceiver::attach(std::move(received->fds[0]), std::move(received->fds[1]), policy);
}

}  // namespace missive::shm::testing
