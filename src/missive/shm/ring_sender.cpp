#include "missive/shm/ring_sender.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <utility>

#include "missive/platform/membarrier.hpp"
#include "missive/platform/memfd.hpp"
#include "missive/platform/random.hpp"
#include "missive/shm/detail/pool_layout.hpp"
#include "park.hpp"

namespace missive::shm {

using detail::ControlHeader;
using detail::ControlSegment;
using detail::DataHeader;
using detail::DataSegment;

Result<RingSender> RingSender::create(const RingConfig& config, const WaitPolicy& policy) {
  if (config.capacity_bytes > detail::max_capacity) return Error{Errc::invalid_argument, "ring capacity above 1 GiB"};
  const std::uint64_t capacity = std::bit_ceil(std::max<std::uint64_t>(config.capacity_bytes, detail::min_capacity));
  const std::uint64_t max_message =
      config.max_message_bytes != 0 ? config.max_message_bytes : capacity / 2 - detail::record_header_size;
  if (max_message > capacity / 2 || detail::record_size(max_message) > capacity / 2) {  // no wrap-around
    return Error{Errc::invalid_argument, "max_message_bytes must be at most capacity / 2 - 8"};
  }
  auto session = platform::random_u64();
  if (!session) return session.error();

  RingSender sender;
  sender.policy_ = policy;
  sender.capacity_ = capacity;
  sender.max_message_ = max_message;

  // Data segment: map it read-write, then seal it so that no process (the
  // receiver included) can ever create another writable mapping of it.
  const std::size_t data_size = detail::data_ring_offset + static_cast<std::size_t>(capacity);
  auto data_fd = platform::create_memfd("missive-ring-data", data_size);
  if (!data_fd) return data_fd.error();
  auto data_map = platform::Mapping::map(*data_fd, data_size, platform::Access::read_write);
  if (!data_map) return data_map.error();
  auto* data = new (data_map->writable_bytes().data()) DataSegment{};
  data->header =
      DataHeader{detail::data_magic, detail::layout_version, detail::data_ring_offset, capacity, max_message, *session};
  if (Status s = platform::add_seals(*data_fd, platform::seal::future_write | platform::seal::seal); !s) {
    return s.error();
  }

  // Loan pool (optional): a third segment, sealed like the data segment.
  if (config.loan_buffers != 0) {
    if (Status s = sender.create_pool(config, *session); !s) return s.error();
  }

  // Control segment: initialized through a short-lived writable mapping; the
  // sender keeps only a read-only one (the receiver owns what is written here).
  // With a pool it also holds returns[] (pool_layout.hpp), zero-filled: every
  // buffer starts free (returns[i] == generation 0).
  const std::size_t page = platform::page_size();
  const std::size_t control_size =
      std::max(page, (detail::control_bytes_for(config.loan_buffers) + page - 1) / page * page);
  auto control_fd = platform::create_memfd("missive-ring-control", control_size);
  if (!control_fd) return control_fd.error();
  {
    auto init = platform::Mapping::map(*control_fd, control_size, platform::Access::read_write);
    if (!init) return init.error();
    auto* control = new (init->writable_bytes().data()) ControlSegment{};
    control->header = ControlHeader{detail::control_magic, detail::layout_version, 0, *session};
  }
  if (Status s = platform::add_seals(*control_fd, platform::seal::seal); !s) return s.error();
  auto control_map = platform::Mapping::map(*control_fd, control_size, platform::Access::read_only);
  if (!control_map) return control_map.error();

  sender.data_map_ = std::move(*data_map);
  sender.control_map_ = std::move(*control_map);
  sender.data_fd_ = std::move(*data_fd);
  sender.control_fd_ = std::move(*control_fd);
  sender.closed_ = false;
  sender.asymmetric_ = platform::registered_for_heavy_fence();
  return sender;
}

RingSender::RingSender(RingSender&& other) noexcept
    : data_map_(std::move(other.data_map_)),
      control_map_(std::move(other.control_map_)),
      data_fd_(std::move(other.data_fd_)),
      control_fd_(std::move(other.control_fd_)),
      peer_(std::move(other.peer_)),
      policy_(other.policy_),
      stats_(other.stats_),
      capacity_(other.capacity_),
      max_message_(other.max_message_),
      failure_(other.failure_),
      closed_(std::exchange(other.closed_, true)),
      pool_map_(std::move(other.pool_map_)),
      pool_fd_(std::move(other.pool_fd_)),
      buffer_size_(other.buffer_size_),
      buffer_state_(std::move(other.buffer_state_)),
      generation_(std::move(other.generation_)),
      free_(std::move(other.free_)),
      in_flight_(std::move(other.in_flight_)),
      loans_out_(other.loans_out_),
      tail_(other.tail_),
      cached_head_(other.cached_head_),
      asymmetric_(other.asymmetric_) {}

RingSender& RingSender::operator=(RingSender&& other) noexcept {
  if (this != &other) {
    close();
    data_map_ = std::move(other.data_map_);
    control_map_ = std::move(other.control_map_);
    data_fd_ = std::move(other.data_fd_);
    control_fd_ = std::move(other.control_fd_);
    peer_ = std::move(other.peer_);
    policy_ = other.policy_;
    stats_ = other.stats_;
    capacity_ = other.capacity_;
    max_message_ = other.max_message_;
    failure_ = other.failure_;
    closed_ = std::exchange(other.closed_, true);
    pool_map_ = std::move(other.pool_map_);
    pool_fd_ = std::move(other.pool_fd_);
    buffer_size_ = other.buffer_size_;
    buffer_state_ = std::move(other.buffer_state_);
    generation_ = std::move(other.generation_);
    free_ = std::move(other.free_);
    in_flight_ = std::move(other.in_flight_);
    loans_out_ = other.loans_out_;
    tail_ = other.tail_;
    cached_head_ = other.cached_head_;
    asymmetric_ = other.asymmetric_;
  }
  return *this;
}

// The segments were placement-constructed by create() at the start of each mapping.
DataSegment& RingSender::data() const noexcept {
  return *std::launder(reinterpret_cast<DataSegment*>(data_map_.writable_bytes().data()));
}
const ControlSegment& RingSender::control() const noexcept {
  return *std::launder(reinterpret_cast<const ControlSegment*>(control_map_.bytes().data()));
}

void RingSender::drop_fds() noexcept {
  data_fd_.reset();
  control_fd_.reset();
  pool_fd_.reset();
}

std::uint64_t RingSender::bytes_needed(std::size_t size) const noexcept {
  const std::uint64_t record = detail::record_size(size);
  const std::uint64_t to_end = capacity_ - (tail_ & (capacity_ - 1));
  return record <= to_end ? record : to_end + record;
}

Status RingSender::refresh_head() noexcept {
  const std::uint64_t head = control().peek_head();
  // An honest receiver's index only grows, in whole records, and never passes ours.
  if (head - cached_head_ > tail_ - cached_head_ || head % detail::record_alignment != 0) {
    failure_ = Error{Errc::corrupted, "receiver published a consumer index behind its last one or beyond ours"};
    return failure_;
  }
  cached_head_ = head;
  return ok();
}

Status RingSender::try_send(std::span<const std::byte> message) noexcept {
  if (closed_) return Error{Errc::closed, "the sender was closed"};
  if (failure_.code != Errc::ok) return failure_;
  if (message.size() > max_message_) return Error{Errc::too_large, "message larger than the ring's max_message_size()"};
  return try_publish(detail::record_kind::message, message);
}

Status RingSender::try_publish(std::uint32_t kind, std::span<const std::byte> message) noexcept {
  if (closed_) return Error{Errc::closed, "the sender was closed"};
  if (failure_.code != Errc::ok) return failure_;
  // Nobody will read: fail instead of filling the ring for no one.
  if (control().peek_closed()) return Error{Errc::closed, "the receiver closed the ring"};
  if (Status s = write_record(kind, message); !s) return s;
  commit();
  return ok();
}

Status RingSender::write_record(std::uint32_t kind, std::span<const std::byte> message) noexcept {
  const std::uint64_t needed = bytes_needed(message.size());
  if (tail_ + needed - cached_head_ > capacity_) {
    if (Status s = refresh_head(); !s) return s;
    if (tail_ + needed - cached_head_ > capacity_) return Errc::would_block;
  }

  std::byte* const ring = data_map_.writable_bytes().data() + detail::data_ring_offset;
  std::uint64_t tail = tail_;
  std::uint64_t offset = tail & (capacity_ - 1);
  const std::uint64_t record = detail::record_size(message.size());
  if (record > capacity_ - offset) {
    // It does not fit before the end of the ring: pad to the end, start at 0.
    const std::uint64_t rest = capacity_ - offset;
    detail::write_once(*reinterpret_cast<std::uint64_t*>(ring + offset),
                       detail::record_header(static_cast<std::uint32_t>(rest - detail::record_header_size),
                                             detail::record_kind::padding));
    tail += rest;
    offset = 0;
  }
  detail::write_once(*reinterpret_cast<std::uint64_t*>(ring + offset),
                     detail::record_header(static_cast<std::uint32_t>(message.size()), kind));
  if (!message.empty()) std::memcpy(ring + offset + detail::record_header_size, message.data(), message.size());
  tail_ = tail + record;  // private until commit()
  return ok();
}

void RingSender::commit() noexcept {
  data().publish_tail(tail_, asymmetric_);  // commits every record written since the last commit
  detail::wake_if_parked(control().receiver_parked, data().receiver_doorbell, stats_);
}

Result<std::size_t> RingSender::try_send_batch(std::span<const std::span<const std::byte>> messages) noexcept {
  if (closed_) return Error{Errc::closed, "the sender was closed"};
  if (failure_.code != Errc::ok) return failure_;
  if (control().peek_closed()) return Error{Errc::closed, "the receiver closed the ring"};
  std::size_t written = 0;
  for (const auto message : messages) {
    if (message.size() > max_message_) {
      if (written == 0) return Error{Errc::too_large, "message larger than the ring's max_message_size()"};
      break;
    }
    const Status s = write_record(detail::record_kind::message, message);
    if (!s) {
      if (written == 0) return s.error();  // would_block or corrupted
      break;
    }
    ++written;
  }
  if (written != 0) commit();  // one index store (and one parked check) for the whole burst
  return written;
}

Result<std::size_t> RingSender::send_batch(std::span<const std::span<const std::byte>> messages,
                                           Deadline deadline) noexcept {
  if (messages.empty()) return std::size_t{0};
  auto first = try_send_batch(messages);
  if (first.code() != Errc::would_block) return first;
  // Nothing fits now: wait for room for the first, then take what else fits.
  if (Status s = send(messages[0], deadline); !s) return s.error();
  auto rest = try_send_batch(messages.subspan(1));
  return rest ? 1 + *rest : std::size_t{1};
}

Status RingSender::send(std::span<const std::byte> message, Deadline deadline) noexcept {
  if (message.size() > max_message_ && !closed_ && failure_.code == Errc::ok) {
    return Error{Errc::too_large, "message larger than the ring's max_message_size()"};
  }
  return publish(detail::record_kind::message, message, deadline);
}

Status RingSender::publish(std::uint32_t kind, std::span<const std::byte> message, Deadline deadline) noexcept {
  for (;;) {
    const Status sent = try_publish(kind, message);
    if (sent.code() != Errc::would_block) return sent;
    const std::uint64_t needed = bytes_needed(message.size());
    // Ready when the receiver made room, broke the protocol (try_send reports
    // it) or closed. peek_head/peek_closed are seq_cst loads: the [R] of the handshake.
    const auto ready = [&]() noexcept {
      const std::uint64_t head = control().peek_head();
      return head - cached_head_ > tail_ - cached_head_ || tail_ + needed - head <= capacity_ ||
             control().peek_closed();
    };
    if (Status waited = detail::wait_until(ready, data().sender_parked, control().sender_doorbell, policy_, peer_,
                                           stats_, deadline);
        !waited) {
      return waited;
    }
  }
}

void RingSender::close() noexcept {
  if (closed_) return;
  closed_ = true;
  data().publish_closed();
  detail::wake_if_parked(control().receiver_parked, data().receiver_doorbell, stats_);
}

}  // namespace missive::shm
