// loan_sender.cpp - the sender's half of the loan pool (layout: shm/detail/pool_layout.hpp).
//
// Thread safety: every function here runs on the sender's thread; the pool's
// bookkeeping (states, generations, free and in-flight lists) is private to
// it. The only shared words it reads are returns[] in the control segment.
#include <cassert>
#include <cstring>
#include <new>

#include "missive/platform/memfd.hpp"
#include "missive/shm/detail/pool_layout.hpp"
#include "missive/shm/ring_sender.hpp"
#include "park.hpp"

namespace missive::shm {

using detail::LoanDescriptor;
using detail::PoolHeader;

namespace {

// The generation the receiver last returned for buffer `index` (acquire: pairs
// with the receiver's release store after its last read of the buffer, so our
// next writes to the buffer happen after those reads).
std::uint32_t returned_generation(const platform::Mapping& control, std::uint32_t index) noexcept {
  const auto* returns =
      reinterpret_cast<const std::uint32_t*>(control.bytes().data() + detail::control_returns_offset);
  return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(returns[index])).load(std::memory_order_acquire);
}

// As returned_generation, seq_cst: the load half [R] of the parking handshake
// for a sender waiting for a buffer (the receiver's return is the store [W]).
std::uint32_t returned_generation_for_wait(const platform::Mapping& control, std::uint32_t index) noexcept {
  const auto* returns =
      reinterpret_cast<const std::uint32_t*>(control.bytes().data() + detail::control_returns_offset);
  return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(returns[index])).load(std::memory_order_seq_cst);
}

}  // namespace

Status RingSender::create_pool(const RingConfig& config, std::uint64_t session) {
  if (config.loan_buffers > detail::max_pool_buffers) {
    return Error{Errc::invalid_argument, "loan_buffers above 65536"};
  }
  if (config.loan_buffer_bytes == 0 || config.loan_buffer_bytes > detail::max_pool_buffer_size) {
    return Error{Errc::invalid_argument, "loan_buffer_bytes must be in [1, 1 GiB]"};
  }
  const std::uint64_t buffer_size =
      (config.loan_buffer_bytes + detail::pool_buffer_alignment - 1) / detail::pool_buffer_alignment *
      detail::pool_buffer_alignment;
  if (buffer_size * config.loan_buffers > detail::max_pool_bytes) {
    return Error{Errc::invalid_argument, "loan pool above 16 GiB"};
  }
  const std::size_t pool_size = detail::pool_buffers_offset + static_cast<std::size_t>(buffer_size) * config.loan_buffers;
  auto fd = platform::create_memfd("missive-loan-pool", pool_size);
  if (!fd) return fd.error();
  auto map = platform::Mapping::map(*fd, pool_size, platform::Access::read_write);
  if (!map) return map.error();
  auto* header = new (map->writable_bytes().data()) PoolHeader{};
  *header = PoolHeader{detail::pool_magic,    detail::pool_layout_version,
                       static_cast<std::uint32_t>(config.loan_buffers), buffer_size,
                       detail::pool_buffers_offset, session};
  // As for the data segment: nobody (the receiver included) may ever map it writable again.
  if (Status s = platform::add_seals(*fd, platform::seal::future_write | platform::seal::seal); !s) return s.error();

  pool_map_ = std::move(*map);
  pool_fd_ = std::move(*fd);
  buffer_size_ = buffer_size;
  buffer_state_.assign(config.loan_buffers, BufferState::free);
  generation_.assign(config.loan_buffers, 0);
  free_.reserve(config.loan_buffers);
  in_flight_.reserve(config.loan_buffers);
  // Lowest index on top: buffers are used in address order at first.
  for (std::size_t i = config.loan_buffers; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  return ok();
}

void RingSender::reclaim_returned() noexcept {
  for (std::size_t i = 0; i < in_flight_.size();) {
    const std::uint32_t index = in_flight_[i];
    if (returned_generation(control_map_, index) == generation_[index]) {
      buffer_state_[index] = BufferState::free;
      free_.push_back(index);
      in_flight_[i] = in_flight_.back();
      in_flight_.pop_back();
    } else {
      ++i;
    }
  }
}

bool RingSender::any_returned() const noexcept {
  for (const std::uint32_t index : in_flight_) {
    if (returned_generation_for_wait(control_map_, index) == generation_[index]) return true;
  }
  return false;
}

Result<Loan> RingSender::loan(std::size_t size, Deadline deadline) noexcept {
  for (;;) {
    auto lent = loan(size);
    if (lent.code() != Errc::would_block || deadline.when() == Deadline::now_or_never().when()) return lent;
    // Ready when a buffer came back or the receiver closed (loan() reports it).
    const auto ready = [this]() noexcept { return any_returned() || control().peek_closed(); };
    if (Status waited = detail::wait_until(ready, data().sender_parked, control().sender_doorbell, policy_, peer_,
                                           stats_, deadline);
        !waited) {
      if (waited.code() == Errc::timed_out) {
        return Error{Errc::timed_out, "no loan buffer came back before the deadline"};
      }
      return waited.error();
    }
  }
}

Result<Loan> RingSender::loan(std::size_t size) noexcept {
  if (closed_) return Error{Errc::closed, "the sender was closed"};
  if (failure_.code != Errc::ok) return failure_;
  if (buffer_state_.empty()) return Error{Errc::invalid_argument, "the ring has no loan pool (RingConfig::loan_buffers)"};
  if (size > buffer_size_) return Error{Errc::too_large, "loan larger than the pool's buffer size"};
  if (control().peek_closed()) return Error{Errc::closed, "the receiver closed the ring"};
  if (free_.empty()) reclaim_returned();
  if (free_.empty()) {
    if (Status known = peer_.known(); !known) return known.error();
    return Error{Errc::would_block, "every loan buffer is loaned or not yet returned by the receiver"};
  }
  const std::uint32_t index = free_.back();
  free_.pop_back();
  buffer_state_[index] = BufferState::loaned;
  ++loans_out_;
  std::byte* const data =
      pool_map_.writable_bytes().data() + detail::pool_buffers_offset + static_cast<std::size_t>(buffer_size_) * index;
  return Loan(this, data, size, index);
}

void RingSender::return_unsent(std::uint32_t index) noexcept {
  assert(index < buffer_state_.size() && buffer_state_[index] == BufferState::loaned);
  buffer_state_[index] = BufferState::free;
  free_.push_back(index);
  --loans_out_;
}

Status RingSender::publish_loan(Loan& loan, Deadline deadline, bool wait) noexcept {
  if (loan.owner_ != this || loan.index_ >= buffer_state_.size() || buffer_state_[loan.index_] != BufferState::loaned) {
    return Error{Errc::invalid_argument, "the loan does not belong to this sender"};
  }
  const std::uint32_t index = loan.index_;
  const LoanDescriptor descriptor{index, generation_[index] + 1, loan.size_};
  std::byte record[sizeof descriptor];
  std::memcpy(record, &descriptor, sizeof descriptor);
  // The buffer bytes written through the loan are published by the same
  // seq_cst (release) tail store that commits this record (ring_layout.hpp).
  const Status sent = wait ? publish(detail::loan_record_kind, record, deadline)
                           : try_publish(detail::loan_record_kind, record);
  if (!sent) return sent;  // the caller keeps the loan
  generation_[index] = descriptor.generation;
  buffer_state_[index] = BufferState::in_flight;
  in_flight_.push_back(index);
  --loans_out_;
  loan.owner_ = nullptr;  // consumed: its destructor does nothing
  loan.data_ = nullptr;
  loan.size_ = 0;
  return ok();
}

Status RingSender::try_send_loan(Loan&& loan) noexcept { return publish_loan(loan, Deadline::now_or_never(), false); }

Status RingSender::send_loan(Loan&& loan, Deadline deadline) noexcept { return publish_loan(loan, deadline, true); }

void Loan::reset() noexcept {
  if (owner_ != nullptr) owner_->return_unsent(index_);
  owner_ = nullptr;
  data_ = nullptr;
  size_ = 0;
}

}  // namespace missive::shm
