// impl.hpp - internal: the interface every transport implements.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"
#include "missive/transport/loan.hpp"

namespace missive::net {
class UnixStream;
struct StreamOptions;
}

namespace missive::transport::detail {

// Builds and opens Loans and Views (their members are private to users).
struct LoanAccess {
  // The copy fallback: a private buffer of `size` bytes.
  static Loan heap(std::size_t size) {
    Loan loan;
    loan.heap_.resize(size);
    loan.heap_valid_ = true;
    return loan;
  }
  static Loan shared(shm::Loan lent) noexcept {
    Loan loan;
    loan.shared_ = std::move(lent);
    return loan;
  }
  // The pool loan inside, or nullptr for a heap loan.
  static shm::Loan* shared_of(Loan& loan) noexcept { return loan.shared_.valid() ? &loan.shared_ : nullptr; }
  static View copy(std::vector<std::byte> bytes) noexcept {
    View view;
    view.own_ = std::move(bytes);
    return view;
  }
  static View shared(shm::View received) noexcept {
    View view;
    view.shared_ = std::move(received);
    view.shared_valid_ = true;
    return view;
  }
};

// Thread safety as Connection's contract (send side / receive side).
// The loan, view and readable_fd defaults are the copy fallback of schemes
// without shared buffers (transport/loan.hpp).
class ConnectionImpl {
 public:
  virtual ~ConnectionImpl() = default;
  // Send side. A buffer for send_loan; `deadline` bounds the wait for a free one.
  [[nodiscard]] virtual Result<Loan> loan(std::size_t size, Deadline deadline) {
    (void)deadline;  // a heap buffer is always free
    if (size > max_message_size()) return Error{Errc::too_large, "loan larger than max_message_size()"};
    return LoanAccess::heap(size);
  }
  // Send side. On ok the loan is consumed (reset); on error the caller keeps it.
  [[nodiscard]] virtual Status send_loan(Loan& loan, Deadline deadline, bool wait) {
    if (!loan.valid()) return Error{Errc::invalid_argument, "send_loan of an empty or already sent Loan"};
    Status s = wait ? send(loan.bytes(), deadline) : try_send(loan.bytes());
    if (s) loan.reset();
    return s;
  }
  // Receive side. The next message as a View (here: a private copy).
  [[nodiscard]] virtual Result<View> recv_view(Deadline deadline, bool wait) {
    std::vector<std::byte> bytes;
    Status s = wait ? recv(bytes, deadline) : try_recv(bytes);
    if (!s) return s.error();
    return LoanAccess::copy(std::move(bytes));
  }
  // Receive side. The descriptor that becomes readable when a message arrives
  // after a try_recv returned would_block (Connection::readable_fd).
  [[nodiscard]] virtual Result<int> readable_fd() {
    return Error{Errc::invalid_argument, "this transport has no readable descriptor"};
  }
  // Half closes (Sender::close / Receiver::close); the default closes both ways.
  virtual void close_send() noexcept { close(); }
  virtual void close_recv() noexcept { close(); }
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
  // The address a connector should use; empty means "the one listen() was given"
  // (tcp:// overrides it with the bound port).
  [[nodiscard]] virtual std::string bound_address() const { return {}; }
  [[nodiscard]] const ListenerStats& stats() const noexcept { return stats_; }

 protected:
  ListenerStats stats_;
};

// True when `uid` may connect under `allowed` (empty = everyone).
[[nodiscard]] bool uid_allowed(const std::vector<uid_t>& allowed, uid_t uid) noexcept;

// A Connection over a framed byte stream (unix_transport.cpp); unix:// and
// tcp:// differ only in how the stream is opened and who the peer is.
[[nodiscard]] Connection stream_connection(net::UnixStream stream, PeerInfo peer, Scheme scheme);
// The stream options an endpoint's options imply (frame limits).
[[nodiscard]] net::StreamOptions stream_options(const EndpointOptions& options);

// One pair per transport (inproc.cpp, shm_transport.cpp, unix_transport.cpp, tcp_transport.cpp).
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_inproc(std::string_view name, const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_inproc(std::string_view name, Deadline deadline,
                                                const ConnectOptions& options);
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_shm(std::string_view name, const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_shm(std::string_view name, Deadline deadline, const ConnectOptions& options);
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_unix(std::string_view address,
                                                                const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_unix(std::string_view address, Deadline deadline,
                                              const ConnectOptions& options);
[[nodiscard]] Result<std::unique_ptr<ListenerImpl>> listen_tcp(std::string_view address, const ListenOptions& options);
[[nodiscard]] Result<Connection> connect_tcp(std::string_view address, Deadline deadline,
                                             const ConnectOptions& options);

}  // namespace missive::transport::detail
