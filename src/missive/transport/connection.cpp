#include <algorithm>

#include "impl.hpp"

namespace missive::transport {

namespace detail {
bool uid_allowed(const std::vector<uid_t>& allowed, uid_t uid) noexcept {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), uid) != allowed.end();
}
}  // namespace detail

namespace {
Error moved_from() noexcept { return Error{Errc::closed, "connection was moved from"}; }
}  // namespace

// ----------------------------------------------------------------- Connection

Connection::Connection(std::unique_ptr<detail::ConnectionImpl> impl) noexcept : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Status Connection::send(std::span<const std::byte> message, Deadline deadline) {
  return impl_ ? impl_->send(message, deadline) : Status(moved_from());
}
Status Connection::try_send(std::span<const std::byte> message) {
  return impl_ ? impl_->try_send(message) : Status(moved_from());
}
Status Connection::recv(std::vector<std::byte>& out, Deadline deadline) {
  return impl_ ? impl_->recv(out, deadline) : Status(moved_from());
}
Status Connection::try_recv(std::vector<std::byte>& out) {
  return impl_ ? impl_->try_recv(out) : Status(moved_from());
}
Result<Loan> Connection::loan(std::size_t size, Deadline deadline) {
  if (!impl_) return moved_from();
  return impl_->loan(size, deadline);
}
Result<Loan> Connection::try_loan(std::size_t size) { return loan(size, Deadline::now_or_never()); }
Status Connection::send_loan(Loan&& loan, Deadline deadline) {
  return impl_ ? impl_->send_loan(loan, deadline, true) : Status(moved_from());
}
Status Connection::try_send_loan(Loan&& loan) {
  return impl_ ? impl_->send_loan(loan, Deadline::now_or_never(), false) : Status(moved_from());
}
Result<View> Connection::recv_view(Deadline deadline) {
  if (!impl_) return moved_from();
  return impl_->recv_view(deadline, true);
}
Result<View> Connection::try_recv_view() {
  if (!impl_) return moved_from();
  return impl_->recv_view(Deadline::now_or_never(), false);
}
Result<int> Connection::readable_fd() {
  if (!impl_) return moved_from();
  return impl_->readable_fd();
}
std::pair<Sender, Receiver> Connection::split() && {
  std::shared_ptr<detail::ConnectionImpl> shared(std::move(impl_));
  return {Sender(shared), Receiver(shared)};
}
void Connection::close() noexcept {
  if (impl_) impl_->close();
}
PeerInfo Connection::peer() const noexcept { return impl_ ? impl_->peer() : PeerInfo{}; }
Scheme Connection::scheme() const noexcept { return impl_ ? impl_->scheme() : Scheme::inproc; }
std::size_t Connection::max_message_size() const noexcept { return impl_ ? impl_->max_message_size() : 0; }

// --------------------------------------------------------------------- halves

Sender::Sender(std::shared_ptr<detail::ConnectionImpl> impl) noexcept : impl_(std::move(impl)) {}
Sender::Sender(Sender&&) noexcept = default;
Sender& Sender::operator=(Sender&&) noexcept = default;
Sender::~Sender() = default;

Status Sender::send(std::span<const std::byte> message, Deadline deadline) {
  return impl_ ? impl_->send(message, deadline) : Status(moved_from());
}
Status Sender::try_send(std::span<const std::byte> message) {
  return impl_ ? impl_->try_send(message) : Status(moved_from());
}
Result<Loan> Sender::loan(std::size_t size, Deadline deadline) {
  if (!impl_) return moved_from();
  return impl_->loan(size, deadline);
}
Result<Loan> Sender::try_loan(std::size_t size) { return loan(size, Deadline::now_or_never()); }
Status Sender::send_loan(Loan&& loan, Deadline deadline) {
  return impl_ ? impl_->send_loan(loan, deadline, true) : Status(moved_from());
}
Status Sender::try_send_loan(Loan&& loan) {
  return impl_ ? impl_->send_loan(loan, Deadline::now_or_never(), false) : Status(moved_from());
}
void Sender::close() noexcept {
  if (impl_) impl_->close_send();
}
PeerInfo Sender::peer() const noexcept { return impl_ ? impl_->peer() : PeerInfo{}; }
Scheme Sender::scheme() const noexcept { return impl_ ? impl_->scheme() : Scheme::inproc; }
std::size_t Sender::max_message_size() const noexcept { return impl_ ? impl_->max_message_size() : 0; }

Receiver::Receiver(std::shared_ptr<detail::ConnectionImpl> impl) noexcept : impl_(std::move(impl)) {}
Receiver::Receiver(Receiver&&) noexcept = default;
Receiver& Receiver::operator=(Receiver&&) noexcept = default;
Receiver::~Receiver() = default;

Status Receiver::recv(std::vector<std::byte>& out, Deadline deadline) {
  return impl_ ? impl_->recv(out, deadline) : Status(moved_from());
}
Status Receiver::try_recv(std::vector<std::byte>& out) {
  return impl_ ? impl_->try_recv(out) : Status(moved_from());
}
Result<View> Receiver::recv_view(Deadline deadline) {
  if (!impl_) return moved_from();
  return impl_->recv_view(deadline, true);
}
Result<View> Receiver::try_recv_view() {
  if (!impl_) return moved_from();
  return impl_->recv_view(Deadline::now_or_never(), false);
}
Result<int> Receiver::readable_fd() {
  if (!impl_) return moved_from();
  return impl_->readable_fd();
}
void Receiver::close() noexcept {
  if (impl_) impl_->close_recv();
}
PeerInfo Receiver::peer() const noexcept { return impl_ ? impl_->peer() : PeerInfo{}; }
Scheme Receiver::scheme() const noexcept { return impl_ ? impl_->scheme() : Scheme::inproc; }

Result<Connection> connect(std::string_view address, Deadline deadline, const ConnectOptions& options) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  switch (parsed->scheme) {
    case Scheme::inproc: return detail::connect_inproc(parsed->name, deadline, options);
    case Scheme::shm: return detail::connect_shm(parsed->name, deadline, options);
    case Scheme::unix_socket: return detail::connect_unix(parsed->name, deadline, options);
    case Scheme::tcp: return detail::connect_tcp(parsed->name, deadline, options);
  }
  return Error{Errc::invalid_argument, "unknown address scheme"};
}

// ------------------------------------------------------------------- Listener

Listener::Listener(std::unique_ptr<detail::ListenerImpl> impl, std::string address) noexcept
    : impl_(std::move(impl)), address_(std::move(address)) {}
Listener::Listener(Listener&&) noexcept = default;
Listener& Listener::operator=(Listener&&) noexcept = default;
Listener::~Listener() = default;

Result<Listener> Listener::listen(std::string_view address, const ListenOptions& options) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  Result<std::unique_ptr<detail::ListenerImpl>> impl = Error{Errc::invalid_argument, "unknown address scheme"};
  switch (parsed->scheme) {
    case Scheme::inproc: impl = detail::listen_inproc(parsed->name, options); break;
    case Scheme::shm: impl = detail::listen_shm(parsed->name, options); break;
    case Scheme::unix_socket: impl = detail::listen_unix(parsed->name, options); break;
    case Scheme::tcp: impl = detail::listen_tcp(parsed->name, options); break;
  }
  if (!impl) return impl.error();
  std::string bound = (*impl)->bound_address();
  return Listener(std::move(*impl), bound.empty() ? std::string(address) : std::move(bound));
}

Result<Connection> Listener::accept(Deadline deadline) {
  if (!impl_) return moved_from();
  return impl_->accept(deadline);
}

Scheme Listener::scheme() const noexcept { return impl_ ? impl_->scheme() : Scheme::inproc; }
const std::string& Listener::address() const noexcept { return address_; }

const ListenerStats& Listener::stats() const noexcept {
  static const ListenerStats none{};
  return impl_ ? impl_->stats() : none;
}

}  // namespace missive::transport
