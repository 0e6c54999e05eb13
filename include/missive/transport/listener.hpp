// missive/transport/listener.hpp - Listener: accepts Connections at an address.
//
// Contract
// - One thread at a time calls accept(). The address is held while the
//   Listener lives: shm:// and unix:@ names vanish with it (also on kill -9),
//   inproc:// names are unregistered by the destructor. A unix:///path file is
//   left in place (the caller's to remove); listen fails with address_in_use
//   while it exists.
// - accept() runs the transport's handshake with one client at a time (shm:
//   credentials, uid check, ring exchange; bounded by handshake_timeout per
//   client). A client that is refused by the uid allow-list or that breaks the
//   handshake is dropped and accept() goes on waiting for the next one; it
//   returns only a working Connection or the deadline's timed_out. The
//   deadline bounds the wait for a client; a handshake begun before it is
//   finished (up to handshake_timeout), so accept() may return that much late
//   rather than refuse a client that connected in time.
// - Connections outlive their Listener.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/transport/address.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/options.hpp"

namespace missive::transport {

namespace detail {
class ListenerImpl;
}

// Counters of one listener (accept-thread only).
struct ListenerStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_uid = 0;       // turned away by allowed_uids
  std::uint64_t failed_handshakes = 0;  // clients that broke or abandoned the handshake
};

class Listener {
 public:
  // Errors: invalid_argument (bad address), address_in_use, system errors.
  [[nodiscard]] static Result<Listener> listen(std::string_view address, const ListenOptions& options = {});

  Listener(std::unique_ptr<detail::ListenerImpl> impl, std::string address) noexcept;
  Listener(Listener&&) noexcept;
  Listener& operator=(Listener&&) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  // The next connection, or timed_out at the deadline.
  [[nodiscard]] Result<Connection> accept(Deadline deadline = Deadline::never());

  [[nodiscard]] Scheme scheme() const noexcept;
  // The address connectors use: as given to listen(), except that tcp:// with
  // port 0 names the port it was bound to ("tcp://127.0.0.1:40123").
  [[nodiscard]] const std::string& address() const noexcept;
  [[nodiscard]] const ListenerStats& stats() const noexcept;

 private:
  std::unique_ptr<detail::ListenerImpl> impl_;
  std::string address_;
};

}  // namespace missive::transport
