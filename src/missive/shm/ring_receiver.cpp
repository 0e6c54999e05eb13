#include "missive/shm/ring_receiver.hpp"

#include <bit>
#include <cstring>
#include <utility>

#include "missive/platform/membarrier.hpp"
#include "missive/platform/memfd.hpp"
#include "missive/shm/detail/pool_layout.hpp"
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
  receiver.asymmetric_ = platform::registered_for_heavy_fence();
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
      pool_map_(std::move(other.pool_map_)),
      buffer_size_(other.buffer_size_),
      buffer_count_(other.buffer_count_),
      views_out_(other.views_out_),
      head_(other.head_),
      cached_tail_(other.cached_tail_),
      asymmetric_(other.asymmetric_) {}

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
    pool_map_ = std::move(other.pool_map_);
    buffer_size_ = other.buffer_size_;
    buffer_count_ = other.buffer_count_;
    views_out_ = other.views_out_;
    head_ = other.head_;
    cached_tail_ = other.cached_tail_;
    asymmetric_ = other.asymmetric_;
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
        return Record{at + detail::record_header_size, length, head_ + size, detail::record_kind::message};
      }
      case detail::loan_record_kind: {
        // Only the record's framing here; resolve_loan checks the descriptor.
        const std::uint64_t size = detail::record_size(length);
        if (length != sizeof(detail::LoanDescriptor) || size > available || size > to_end) {
          return fail({Errc::corrupted, "loan record of a wrong length or beyond the published bytes"});
        }
        return Record{at + detail::record_header_size, length, head_ + size, detail::loan_record_kind};
      }
      default:
        return fail({Errc::corrupted, "unknown record kind in the ring"});
    }
  }
}

// Published at once, per record: a receiver that deferred it could deadlock
// a pair that waits on each other through a second ring (a full request ring
// whose consumed room the server never published while it waits to send a
// reply). With the asymmetric fence the store is a plain MOV on a line the
// sender reads only when its cached room runs out.
void RingReceiver::consume(const Record& record) noexcept {
  head_ = record.next_head;
  control().publish_head(head_, asymmetric_);  // our copy-out is done: the sender may reuse these bytes
  detail::wake_if_parked(data().sender_parked, control().sender_doorbell, stats_);
}

Result<std::size_t> RingReceiver::try_recv_into(std::span<std::byte> buffer) noexcept {
  auto record = next_record();
  if (!record) return record.error();
  auto payload = payload_of(*record);
  if (!payload) return payload.error();
  if (payload->length > buffer.size()) return Error{Errc::too_large, "buffer is smaller than the next message"};
  if (payload->length != 0) std::memcpy(buffer.data(), payload->data, payload->length);
  if (payload->loaned) return_loan(payload->index, payload->generation);  // after the copy
  consume(*record);
  return payload->length;
}

Status RingReceiver::try_recv(std::vector<std::byte>& out) {
  auto record = next_record();
  if (!record) return record.error();
  auto payload = payload_of(*record);
  if (!payload) return payload.error();
  out.assign(payload->data, payload->data + payload->length);  // the one copy
  if (payload->loaned) return_loan(payload->index, payload->generation);  // after the copy
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

// --- Loans (layout: shm/detail/pool_layout.hpp) ------------------------------

namespace {

detail::PoolHeader copy_header(const detail::PoolHeader& shared) noexcept {
  return detail::PoolHeader{read_once(shared.magic),       read_once(shared.version),
                            read_once(shared.buffer_count), read_once(shared.buffer_size),
                            read_once(shared.buffers_offset), read_once(shared.session)};
}

}  // namespace

Result<RingReceiver> RingReceiver::attach(platform::Fd data_fd, platform::Fd control_fd, platform::Fd pool_fd,
                                          const WaitPolicy& policy) {
  if (!pool_fd) return Error{Errc::invalid_argument, "attach with a pool needs the pool descriptor"};
  // The pool must be sealed against writable mappings too: then ours is the
  // only kind anybody but the sender can have. (Ours is PROT_READ regardless.)
  auto seals = platform::get_seals(pool_fd);
  if (!seals) return Error{Errc::invalid_argument, "pool descriptor is not a sealable memfd"};
  if ((*seals & platform::seal::future_write) == 0) {
    return Error{Errc::invalid_argument, "pool segment is not sealed against writable mappings"};
  }
  auto pool_map = map_peer_segment(pool_fd, platform::Access::read_only, detail::pool_buffers_offset,
                                   detail::pool_buffers_offset + detail::max_pool_bytes);
  if (!pool_map) return pool_map.error();
  // Validate a private copy of the header; only the copy is used from here on.
  const detail::PoolHeader header =
      copy_header(*reinterpret_cast<const detail::PoolHeader*>(pool_map->bytes().data()));
  if (header.magic != detail::pool_magic) return Error{Errc::bad_magic, "pool segment is not a missive loan pool"};
  if (header.version != detail::pool_layout_version) {
    return Error{Errc::unsupported_version, "pool segment has an unknown layout version"};
  }
  if (header.buffers_offset != detail::pool_buffers_offset || header.buffer_count == 0 ||
      header.buffer_count > detail::max_pool_buffers || header.buffer_size == 0 ||
      header.buffer_size > detail::max_pool_buffer_size || header.buffer_size % detail::pool_buffer_alignment != 0) {
    return Error{Errc::corrupted, "pool header names an impossible geometry"};
  }
  // Both factors are bounded above, so the product cannot wrap.
  if (header.buffers_offset + header.buffer_size * header.buffer_count > pool_map->size()) {
    return Error{Errc::truncated, "pool segment is smaller than the buffers its header announces"};
  }
  // Peek at the data header's session before attaching: attach() claims the ring.
  {
    auto data_peek = platform::Mapping::map(data_fd, sizeof(DataSegment), platform::Access::read_only);
    if (!data_peek) return data_peek.error();
    const auto session = read_once(reinterpret_cast<const DataSegment*>(data_peek->bytes().data())->header.session);
    if (session != header.session) return Error{Errc::invalid_argument, "pool segment belongs to another ring"};
  }
  auto control_size = platform::file_size(control_fd);
  if (!control_size) return control_size.error();
  if (*control_size < detail::control_bytes_for(header.buffer_count)) {
    return Error{Errc::invalid_argument, "control segment has no room for the pool's returns"};
  }
  auto receiver = attach(std::move(data_fd), std::move(control_fd), policy);
  if (!receiver) return receiver.error();
  // attach() maps the whole control segment (its size was checked above and is sealed).
  if (receiver->control_map_.size() < detail::control_bytes_for(header.buffer_count)) {
    return Error{Errc::invalid_argument, "control segment has no room for the pool's returns"};
  }
  receiver->pool_map_ = std::move(*pool_map);
  receiver->buffer_size_ = header.buffer_size;
  receiver->buffer_count_ = header.buffer_count;
  return receiver;
}

Result<RingReceiver::LoanedBytes> RingReceiver::resolve_loan(const std::byte* payload, std::uint32_t length) noexcept {
  if (buffer_count_ == 0) return fail({Errc::corrupted, "loan record on a ring attached without its pool"});
  if (length != sizeof(detail::LoanDescriptor)) return fail({Errc::corrupted, "loan record of a wrong length"});
  // Each field read exactly once: the values checked are the values used.
  const auto* shared = reinterpret_cast<const detail::LoanDescriptor*>(payload);
  const std::uint32_t index = read_once(shared->index);
  const std::uint32_t generation = read_once(shared->generation);
  const std::uint64_t bytes = read_once(shared->length);
  if (index >= buffer_count_ || bytes > buffer_size_) {
    return fail({Errc::corrupted, "loan names a buffer beyond the pool or a length beyond a buffer"});
  }
  const std::byte* data = pool_map_.bytes().data() + detail::pool_buffers_offset +
                          static_cast<std::size_t>(buffer_size_) * index;
  return LoanedBytes{data, static_cast<std::size_t>(bytes), index, generation};
}

Result<RingReceiver::Payload> RingReceiver::payload_of(const Record& record) noexcept {
  if (record.kind != detail::loan_record_kind) return Payload{record.payload, record.length, false, 0, 0};
  auto loaned = resolve_loan(record.payload, record.length);
  if (!loaned) return loaned.error();
  return Payload{loaned->data, loaned->length, true, loaned->index, loaned->generation};
}

void RingReceiver::return_loan(std::uint32_t index, std::uint32_t generation) noexcept {
  auto* returns = reinterpret_cast<std::uint32_t*>(control_map_.writable_bytes().data() + detail::control_returns_offset);
  // release half: every read of the buffer before this store happens-before
  // the sender's next writes to it (its acquire load sees `generation`).
  // seq_cst: also the store half [W] of the parking handshake with a sender
  // waiting for a buffer (RingSender::loan with a deadline), whose flag we
  // load next [L].
  std::atomic_ref<std::uint32_t>(returns[index]).store(generation, std::memory_order_seq_cst);
  detail::wake_if_parked(data().sender_parked, control().sender_doorbell, stats_);
}

Result<View> RingReceiver::try_recv_view() {
  auto record = next_record();
  if (!record) return record.error();
  if (record->kind != detail::loan_record_kind) {
    // Inline: copied into the View (the ring slot is reused as soon as we consume it).
    std::vector<std::byte> copy(record->payload, record->payload + record->length);
    consume(*record);
    return View(std::move(copy));
  }
  auto loaned = resolve_loan(record->payload, record->length);
  if (!loaned) return loaned.error();
  consume(*record);  // the ring record is done; the buffer stays ours until the View drops
  ++views_out_;
  return View(this, loaned->data, loaned->length, loaned->index, loaned->generation);
}

Result<View> RingReceiver::recv_view(Deadline deadline) {
  for (;;) {
    auto received = try_recv_view();
    if (received.code() != Errc::would_block) return received;
    if (Status waited = wait_for_records(deadline); !waited) {
      if (waited.code() != Errc::peer_died) return waited.error();
      auto last = try_recv_view();
      return last.code() == Errc::would_block ? Result<View>(waited.error()) : std::move(last);
    }
  }
}

void View::reset() noexcept {
  if (owner_ != nullptr) {
    owner_->return_loan(index_, generation_);
    --owner_->views_out_;
  }
  owner_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  copy_.clear();
}

}  // namespace missive::shm
