// impl.hpp - internal: the interface every transport implements.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"

namespace missive::transport::detail {

// Thread safety as Connection's contract (send side / receive side).
class ConnectionImpl {
 public:
  virtual ~ConnectionImpl() = default;
  [[nodiscard]] virtual Status send(std::span<const std::byte> message, Deadline deadline) = 0;
  [[nodiscard]] virtual Status try_send(std::span<const std::byte> message) = 0;
  [[nodiscard]] virtual Status recv(std::vector<std::byte>& out, Deadline deadline) = 0;
  [[nodiscard]] virtual Status try_recv(std::vector<std::byte>& out) = 0;
  virtual void close() noexcept = 0;
  [[nodiscard]] virtual PeerInfo peer() const noexcept = 0;
  [[nodiscard]] virtual Scheme scheme() const noexcept = 0;
  [[nodiscard]] virtual std::size_t max_message_size() const noexcept = 0;
};

class ListenerImpl {
 public:
  virtual ~ListenerImpl() = default;
  [[nodiscard]] virtual Result<Connection> accept(Deadline deadline) = 0;
  [[nodiscard]] virtual Scheme scheme() const noexcept = 0;
  [[nodiscard]] const ListenerStats& stats() const noexcept { return stats_; }

 protected:
  ListenerStats stats_;
};

// True when `uid` may connect under `allowed` (empty = everyone).
[[nodiscard]] bool uid_allowed(const std::vector<uid_t>& allowed, uid_t uid) noexcept;

// One pair per transport (inproc.cpp, shm_transport.cpp, unix_transport.cpp).
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_inproc(std::string_view name, const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_inproc(std::string_view name, Deadline deadline,
                                                const ConnectOptions& options);
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_shm(std::string_view name, const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_shm(std::string_view name, Deadline deadline, const ConnectOptions& options);
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_unix(std::string_view address,
                                                                const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_unix(std::string_view address, Deadline deadline,
                                              const ConnectOptions& options);

}  // namespace missive::transport::detail
