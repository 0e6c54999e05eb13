#include "missive/shm/ring_receiver.hpp"

#include <bit>
#include <cstring>
#include <utility>

#include "missive/platform/memfd.hpp"
#include "park.hpp"

namespace missive::shm {

using detail::ControlHeader;
using detail::ControlSegment;
using detail::DataHeader;
using detail::DataSegment;
using detail::read_once;

namespace {

// Maps a segment that came from an untrusted peer. It must be a memfd sealed
// against shrinking: otherwise the peer could truncate it under our mapping
// and turn our reads into SIGBUS. Its size must lie in [min_size, max_size].
Result<platform::Mapping> map_peer_segment(const platform::Fd& fd, platform::Access access, std::size_t min_size,
                                           std::size_t max_size) {
  auto seals = platform::get_seals(fd);
  if (!seals) {
    if (seals.code() == Errc::invalid_argument) {
      return Error{Errc::invalid_argument, "ring descriptor is not a sealable memfd"};
    }
    return seals.error();
  }
  if ((*seals & platform::seal::shrink) == 0) {
    return Error{Errc::invalid_argument, "ring segment is not sealed against shrinking"};
  }
  auto size = platform::file_size(fd);
  if (!size) return size.error();
  if (*size < min_size) return Error{Errc::truncated, "ring segment is smaller than its header"};
  if (*size > max_size) return Error{Errc::too_large, "ring segment is larger than any valid ring"};
  return platform::Mapping::map(fd, *size, access);
}

// The header, read field by field exactly once (the sender may rewrite it at any time).
DataHeader copy_header(const DataHeader& shared) noexcept {
  return DataHeader{read_once(shared.magic),    read_once(shared.version),     read_once(shared.ring_offset),
                    read_once(shared.capacity), read_once(shared.max_message), read_once(shared.session)};
}
ControlHeader copy_header(const ControlHeader& shared) noexcept {
  return ControlHeader{read_once(shared.magic), read_once(shared.version), read_once(shared.reserved),
                       read_once(shared.session)};
}

}  // namespace

Result<RingReceiver> RingReceiver::attach(platform::Fd data_fd, platform::Fd control_fd, const WaitPolicy& policy) {
  if (!data_fd || !control_fd) return Error{Errc::invalid_argument, "attach needs both ring descriptors"};

  auto data_map = map_peer_segment(data_fd, platform::Access::read_only, sizeof(DataSegment),
                                   detail::data_ring_offset + detail::max_capacity + platform::page_size());
  if (!data_map) return data_map.error();
  // Validate a private copy; only the copy is used from here on.
  const DataHeader header = copy_header(reinterpret_cast<const DataSegment*>(data_map->bytes().data())->header);
  if (header.magic != detail::data_magic) return Error{Errc::bad_magic, "data segment is not a missive ring"};
  if (header.version != detail::layout_version) {
    return Error{Errc::unsupported_version, "data segment has an unknown ring layout version"};
  }
  if (header.ring_offset != detail::data_ring_offset) {
    return Error{Errc::corrupted, "data segment header names a wrong ring offset"};
  }
  if (header.capacity < detail::min_capacity || header.capacity > detail::max_capacity ||
      !std::has_single_bit(header.capacity)) {
    return Error{Errc::corrupted, "ring capacity is not a power of two in [4 KiB, 1 GiB]"};
  }
  if (header.ring_offset + header.capacity > data_map->size()) {
    return Error{Errc::truncated, "data segment is smaller than the ring its header announces"};
  }
  // (Bound the value first: record_size of a huge length would wrap around.)
  if (header.max_message > header.capacity / 2 || detail::record_size(header.max_message) > header.capacity / 2) {
    return Error{Errc::corrupted, "ring's max message does not fit twice into its capacity"};
  }

  auto control_map =
      map_peer_segment(control_fd, platform::Access::read_write, sizeof(ControlSegment), std::size_t{1} << 20);
  if (!control_map) return control_map.error();
  auto* control = reinterpret_cast<ControlSegment*>(control_map->writable_bytes().data());
  const ControlHeader control_header = copy_header(control->header);
  if (control_header.magic != detail::control_magic) {
    return Error{Errc::bad_magic, "control segment is not a missive ring control"};
  }
  if (control_header.version != detail::layout_version) {
    return Error{Errc::unsupported_version, "control segment has an unknown ring layout version"};
  }
  if (control_header.session != header.session) {
    return Error{Errc::invalid_argument, "data and control segments belong to different rings"};
  }
  // Claim the ring. relaxed: only the atomicity of the exchange matters; no
  // data is published with the claim.
  std::uint32_t unclaimed = 0;
  if (!control->attached.compare_exchange_strong(unclaimed, 1, std::memory_order_relaxed)) {
    return Error{Errc::invalid_argument, "the ring already has a receiver"};
  }

  RingReceiver receiver;
  receiver.data_map_ = std::move(*data_map);
  receiver.control_map_ = std::move(*control_map);
  receiver.policy_ = policy;
  receiver.capacity_ = header.capacity;
  receiver.max_message_ = header.max_message;
  receiver.ring_offset_ = header.ring_offset;
  receiver.closed_ = false;
  // The descriptors close here (they go out of scope); the mappings keep the memory.
  return receiver;
}

RingReceiver::RingReceiver(RingReceiver&& other) noexcept
    : data_map_(std::move(other.data_map_)),
      control_map_(std::move(other.control_map_)),
      peer_(std::move(other.peer_)),
      policy_(other.policy_),
      stats_(other.stats_),
      capacity_(other.capacity_),
      max_message_(other.max_message_),
      ring_offset_(other.ring_offset_),
      failure_(other.failure_),
      closed_(std::exchange(other.closed_, true)),
      head_(other.head_),
      cached_tail_(other.cached_tail_) {}

RingReceiver& RingReceiver::operator=(RingReceiver&& other) noexcept {
  if (this != &other) {
    close();
    data_map_ = std::move(other.data_map_);
    control_map_ = std::move(other.control_map_);
    peer_ = std::move(other.peer_);
    policy_ = other.policy_;
    stats_ = other.stats_;
    capacity_ = other.capacity_;
    max_message_ = other.max_message_;
    ring_offset_ = other.ring_offset_;
    failure_ = other.failure_;
    closed_ = std::exchange(other.closed_, true);
    head_ = other.head_;
    cached_tail_ = other.cached_tail_;
  }
  return *this;
}

// The segments were constructed by the sender's process; this process only
// maps them, so there is no object to launder: the layout is the contract.
const DataSegment& RingReceiver::data() const noexcept {
  return *reinterpret_cast<const DataSegment*>(data_map_.bytes().data());
}
ControlSegment& RingReceiver::control() const noexcept {
  return *reinterpret_cast<ControlSegment*>(control_map_.writable_bytes().data());
}

Error RingReceiver::fail(Error error) noexcept {
  failure_ = error;
  return error;
}

Result<RingReceiver::Record> RingReceiver::next_record() noexcept {
  if (closed_) return Error{Errc::closed, "the receiver was closed"};
  if (failure_.code != Errc::ok) return failure_;
  const std::byte* const ring = data_map_.bytes().data() + ring_offset_;
  int paddings = 0;
  for (;;) {
    if (head_ == cached_tail_) {
      const std::uint64_t tail = data().peek_tail();
      // An honest sender's index only grows, in whole records, at most one ring ahead of ours.
      if (tail - head_ > capacity_ || tail % detail::record_alignment != 0) {
        return fail({Errc::corrupted, "sender published a producer index behind ours or beyond the ring"});
      }
      cached_tail_ = tail;
      if (head_ == cached_tail_) {
        if (!data().peek_closed()) {
          if (Status alive = peer_.known(); !alive) return alive.error();
          return Errc::would_block;
        }
        // publish_closed came after the last publish_tail: look once more.
        if (data().peek_tail() == head_) return Error{Errc::closed, "the sender closed the ring"};
        continue;
      }
    }
    const std::uint64_t offset = head_ & (capacity_ - 1);
    const std::uint64_t to_end = capacity_ - offset;
    const std::uint64_t available = cached_tail_ - head_;  // > 0 and a multiple of 8: a whole header is there
    const std::byte* const at = ring + offset;
    const std::uint64_t header = read_once(*reinterpret_cast<const std::uint64_t*>(at));
    const std::uint32_t length = detail::record_length(header);
    switch (detail::record_kind_of(header)) {
      case detail::record_kind::padding:
        // An honest sender pads only to the end of the ring, at most once before a record.
        if (++paddings > 1 || length != to_end - detail::record_header_size || available < to_end) {
          return fail({Errc::corrupted, "padding record that does not end exactly at the end of the ring"});
        }
        head_ += to_end;  // published together with the record that follows
        continue;
      case detail::record_kind::message: {
        const std::uint64_t size = detail::record_size(length);
        if (length > max_message_ || size > available || size > to_end) {
          return fail({Errc::corrupted, "record length beyond the published bytes, the ring or max message"});
        }
        return Record{at + detail::record_header_size, length, head_ + size};
      }
      default:
        return fail({Errc::corrupted, "unknown record kind in the ring"});
    }
  }
}

void RingReceiver::consume(const Record& record) noexcept {
  head_ = record.next_head;
  control().publish_head(head_);  // our copy-out is done: the sender may reuse these bytes
  detail::wake_if_parked(data().sender_parked, control().sender_doorbell, stats_);
}

Result<std::size_t> RingReceiver::try_recv_into(std::span<std::byte> buffer) noexcept {
  auto record = next_record();
  if (!record) return record.error();
  if (record->length > buffer.size()) return Error{Errc::too_large, "buffer is smaller than the next message"};
  if (record->length != 0) std::memcpy(buffer.data(), record->payload, record->length);
  consume(*record);
  return static_cast<std::size_t>(record->length);
}

Status RingReceiver::try_recv(std::vector<std::byte>& out) {
  auto record = next_record();
  if (!record) return record.error();
  out.assign(record->payload, record->payload + record->length);  // the one copy
  consume(*record);
  return ok();
}

Status RingReceiver::wait_for_records(Deadline deadline) noexcept {
  // Ready when the sender published something (or garbage: next_record
  // reports it) or closed. Both are seq_cst loads: the [R] of the handshake.
  const auto ready = [this]() noexcept { return data().peek_tail() != head_ || data().peek_closed(); };
  return detail::wait_until(ready, control().receiver_parked, data().receiver_doorbell, policy_, peer_, stats_,
                            deadline);
}

Status RingReceiver::recv(std::vector<std::byte>& out, Deadline deadline) {
  for (;;) {
    const Status received = try_recv(out);
    if (received.code() != Errc::would_block) return received;
    if (Status waited = wait_for_records(deadline); !waited) {
      if (waited.code() != Errc::peer_died) return waited;
      // Whatever the peer published before it died is still delivered.
      const Status last = try_recv(out);
      return last.code() == Errc::would_block ? waited : last;
    }
  }
}

Result<std::size_t> RingReceiver::recv_into(std::span<std::byte> buffer, Deadline deadline) noexcept {
  for (;;) {
    auto received = try_recv_into(buffer);
    if (received.code() != Errc::would_block) return received;
    if (Status waited = wait_for_records(deadline); !waited) {
      if (waited.code() != Errc::peer_died) return waited.error();
      auto last = try_recv_into(buffer);
      return last.code() == Errc::would_block ? Result<std::size_t>(waited.error()) : last;
    }
  }
}

void RingReceiver::close() noexcept {
  if (closed_) return;
  closed_ = true;
  control().publish_closed();
  detail::wake_if_parked(data().sender_parked, control().sender_doorbell, stats_);
}

}  // namespace missive::shm
