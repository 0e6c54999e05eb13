// inproc:// - connections inside one process: two Channels of byte vectors.
//
// Thread safety: the registry is guarded by registry_mutex(); everything else
// is Channel<T>, which any thread may use. A connection's two Channel objects
// live in a shared InprocPipe kept alive by both ends.
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>

#include "impl.hpp"
#include "missive/channel/channel.hpp"

namespace missive::transport::detail {
namespace {

using Bytes = std::vector<std::byte>;

// Both directions of one connection. `forward` carries connector -> acceptor.
struct InprocPipe {
  explicit InprocPipe(std::size_t capacity) : forward(capacity), backward(capacity) {}
  Channel<Bytes> forward;
  Channel<Bytes> backward;
  void close_both() {
    forward.close();
    backward.close();
  }
};

// A listener's queue of connections not yet accepted.
struct InprocBacklog {
  InprocBacklog(std::size_t backlog, const ListenOptions& listen_options)
      : pending(backlog), options(listen_options) {}
  Channel<std::shared_ptr<InprocPipe>> pending;
  const ListenOptions options;  // immutable after construction: read by connectors
};

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
// Guarded by registry_mutex().
std::map<std::string, std::shared_ptr<InprocBacklog>, std::less<>>& registry() {
  static std::map<std::string, std::shared_ptr<InprocBacklog>, std::less<>> names;
  return names;
}

class InprocConnection final : public ConnectionImpl {
 public:
  InprocConnection(std::shared_ptr<InprocPipe> pipe, bool connector, std::size_t max_message)
      : pipe_(std::move(pipe)),
        out_(connector ? pipe_->forward : pipe_->backward),
        in_(connector ? pipe_->backward : pipe_->forward),
        max_message_(max_message) {}
  ~InprocConnection() override { close(); }

  Status send(std::span<const std::byte> message, Deadline deadline) override {
    if (message.size() > max_message_) return too_large();
    Status s = out_.send_until(Bytes(message.begin(), message.end()), deadline);
    return s ? s : translate(s.error());
  }
  Status try_send(std::span<const std::byte> message) override {
    if (message.size() > max_message_) return too_large();
    Status s = out_.try_send(Bytes(message.begin(), message.end()));
    return s ? s : translate(s.error());
  }
  Status recv(Bytes& out, Deadline deadline) override {
    Result<Bytes> r = deadline.is_never() ? in_.recv() : in_.recv_until(deadline);
    if (!r) return translate(r.error());
    out = std::move(*r);
    return ok();
  }
  Status try_recv(Bytes& out) override {
    Result<Bytes> r = in_.try_recv();
    if (!r) return translate(r.error());
    out = std::move(*r);
    return ok();
  }
  void close() noexcept override {
    // Our outgoing channel: the peer drains it, then sees closed. Our incoming
    // one: the peer's sends fail with closed from now on.
    try {
      out_.close();
      in_.close();
    } catch (...) {
      // std::mutex::lock may throw system_error in theory; nothing to recover.
    }
  }
  PeerInfo peer() const noexcept override { return PeerInfo{::getpid(), ::getuid(), ::getgid(), true}; }
  Scheme scheme() const noexcept override { return Scheme::inproc; }
  std::size_t max_message_size() const noexcept override { return max_message_; }

 private:
  static Error too_large() noexcept { return Error{Errc::too_large, "message above inproc_max_message"}; }
  static Error translate(Error e) noexcept {
    if (e.code == Errc::closed) return Error{Errc::closed, "the inproc peer closed the connection"};
    return e;
  }

  std::shared_ptr<InprocPipe> pipe_;
  Channel<Bytes>& out_;
  Channel<Bytes>& in_;
  std::size_t max_message_;
};

class InprocListener final : public ListenerImpl {
 public:
  InprocListener(std::string name, std::shared_ptr<InprocBacklog> backlog)
      : name_(std::move(name)), backlog_(std::move(backlog)) {}
  ~InprocListener() override {
    {
      std::lock_guard lock(registry_mutex());
      registry().erase(name_);
    }
    // Connectors waiting for backlog room get closed (-> refused); connections
    // queued but never accepted are closed so their connectors do not hang.
    backlog_->pending.close();
    while (Result<std::shared_ptr<InprocPipe>> pipe = backlog_->pending.try_recv()) (*pipe)->close_both();
  }

  Result<Connection> accept(Deadline deadline) override {
    Result<std::shared_ptr<InprocPipe>> pipe =
        deadline.is_never() ? backlog_->pending.recv() : backlog_->pending.recv_until(deadline);
    if (!pipe) {
      if (pipe.code() == Errc::timed_out) return Error{Errc::timed_out, "no inproc connection before the deadline"};
      return pipe.error();
    }
    ++stats_.accepted;
    return Connection(std::make_unique<InprocConnection>(std::move(*pipe), false, backlog_->options.inproc_max_message));
  }
  Scheme scheme() const noexcept override { return Scheme::inproc; }

 private:
  std::string name_;
  std::shared_ptr<InprocBacklog> backlog_;
};

}  // namespace

Result<std::unique_ptr<ListenerImpl>> listen_inproc(std::string_view name, const ListenOptions& options) {
  const std::size_t backlog = options.backlog > 0 ? static_cast<std::size_t>(options.backlog) : 1;
  auto state = std::make_shared<InprocBacklog>(backlog, options);
  std::lock_guard lock(registry_mutex());
  auto [it, inserted] = registry().try_emplace(std::string(name), state);
  if (!inserted) return Error{Errc::address_in_use, "another listener holds this inproc:// name"};
  return std::unique_ptr<ListenerImpl>(std::make_unique<InprocListener>(std::string(name), std::move(state)));
}

Result<Connection> connect_inproc(std::string_view name, Deadline deadline, const ConnectOptions& options) {
  std::shared_ptr<InprocBacklog> backlog;
  {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(name);
    if (it == registry().end()) return Error{Errc::refused, "no listener at this inproc:// address"};
    backlog = it->second;
  }
  if (!uid_allowed(backlog->options.allowed_uids, ::getuid())) {
    return Error{Errc::permission_denied, "the inproc listener's allowed_uids excludes this uid"};
  }
  const std::size_t capacity = options.inproc_capacity;
  auto pipe = std::make_shared<InprocPipe>(capacity);
  auto conn = std::make_unique<InprocConnection>(pipe, true, options.inproc_max_message);
  Status s = deadline.is_never() ? backlog->pending.send(std::move(pipe))
                                 : backlog->pending.send_until(std::move(pipe), deadline);
  if (!s) {
    if (s.code() == Errc::timed_out) return Error{Errc::timed_out, "the inproc listener's backlog stayed full"};
    return Error{Errc::refused, "the inproc listener closed before accepting"};
  }
  return Connection(std::move(conn));
}

}  // namespace missive::transport::detail
