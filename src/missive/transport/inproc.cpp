// inproc:// - connections inside one process: two Channels of byte vectors.
//
// Thread safety: the registry is guarded by registry_mutex(); everything else
// is Channel<T>, which any thread may use. A connection's two Channel objects
// live in a shared InprocPipe kept alive by both ends.
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "impl.hpp"
#include "missive/channel/channel.hpp"
#include "missive/platform/event_fd.hpp"

namespace missive::transport::detail {
namespace {

using Bytes = std::vector<std::byte>;

// One direction: the channel, and the receiver's doorbell for poll/epoll
// (readable_fd). `armed` is 1 while the receiver may wait on `event`: the
// sender signals it after each send. Why no wake-up is lost: the receiver
// stores armed = 1 BEFORE its retry of try_recv, the sender loads armed
// AFTER its send; both go through the channel's mutex, so either the
// receiver's retry locks after the send (and finds the message) or before it
// (then its armed store happens-before the sender's load, which sees 1).
struct InprocDirection {
  explicit InprocDirection(std::size_t capacity) : channel(capacity) {}
  Channel<Bytes> channel;
  std::optional<platform::EventFd> event;
  std::atomic<std::uint32_t> armed{0};
};

// Both directions of one connection. `forward` carries connector -> acceptor.
struct InprocPipe {
  explicit InprocPipe(std::size_t capacity) : forward(capacity), backward(capacity) {}
  // A pipe with both doorbells (their eventfds may fail to be created).
  static Result<std::shared_ptr<InprocPipe>> create(std::size_t capacity) {
    auto pipe = std::make_shared<InprocPipe>(capacity);
    for (InprocDirection* d : {&pipe->forward, &pipe->backward}) {
      auto event = platform::EventFd::create();
      if (!event) return event.error();
      d->event.emplace(std::move(*event));
    }
    return pipe;
  }
  InprocDirection forward;
  InprocDirection backward;
  void close_both() {
    forward.channel.close();
    backward.channel.close();
    (void)forward.event->signal();  // a receiver waiting in epoll learns of the close
    (void)backward.event->signal();
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
        out_dir_(connector ? pipe_->forward : pipe_->backward),
        in_dir_(connector ? pipe_->backward : pipe_->forward),
        out_(out_dir_.channel),
        in_(in_dir_.channel),
        max_message_(max_message) {}
  ~InprocConnection() override { close(); }

  Status send(std::span<const std::byte> message, Deadline deadline) override {
    if (message.size() > max_message_) return too_large();
    Status s = out_.send_until(Bytes(message.begin(), message.end()), deadline);
    return s ? signalled() : translate(s.error());
  }
  Status try_send(std::span<const std::byte> message) override {
    if (message.size() > max_message_) return too_large();
    Status s = out_.try_send(Bytes(message.begin(), message.end()));
    return s ? signalled() : translate(s.error());
  }
  Status recv(Bytes& out, Deadline deadline) override {
    Result<Bytes> r = deadline.is_never() ? in_.recv() : in_.recv_until(deadline);
    if (!r) return translate(r.error());
    out = std::move(*r);
    return ok();
  }
  Status try_recv(Bytes& out) override {
    Result<Bytes> r = in_.try_recv();
    if (!r && r.code() == Errc::would_block && event_mode_) {
      // Arm, then look once more (see InprocDirection). Drain the counter
      // first: its readiness was for messages this call has now looked at.
      (void)in_dir_.event->try_consume();
      in_dir_.armed.store(1, std::memory_order_seq_cst);  // seq_cst: before the retry's lock (see InprocDirection)
      r = in_.try_recv();
    }
    if (!r) return translate(r.error());
    if (event_mode_) in_dir_.armed.store(0, std::memory_order_relaxed);  // relaxed: a stale 1 costs one spurious signal
    out = std::move(*r);
    return ok();
  }
  Result<int> readable_fd() override {
    event_mode_ = true;
    return in_dir_.event->fd().get();
  }
  void close_send() noexcept override {
    try {
      out_.close();
    } catch (...) {
      // std::mutex::lock may throw system_error in theory; nothing to recover.
    }
    (void)out_dir_.event->signal();  // a peer waiting in epoll learns of the close
  }
  void close_recv() noexcept override {
    try {
      in_.close();
    } catch (...) {
      // as above
    }
  }
  void close() noexcept override {
    // Our outgoing channel: the peer drains it, then sees closed. Our incoming
    // one: the peer's sends fail with closed from now on.
    close_send();
    close_recv();
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

  // After a send: signal the peer's doorbell when it armed its event wait
  // (seq_cst load, after the channel's unlock; see InprocDirection).
  Status signalled() noexcept {
    if (out_dir_.armed.load(std::memory_order_seq_cst) != 0) (void)out_dir_.event->signal();
    return ok();
  }

  std::shared_ptr<InprocPipe> pipe_;
  InprocDirection& out_dir_;
  InprocDirection& in_dir_;
  Channel<Bytes>& out_;
  Channel<Bytes>& in_;
  std::size_t max_message_;
  bool event_mode_ = false;  // receive side: readable_fd() was asked for
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
  auto created = InprocPipe::create(capacity);
  if (!created) return created.error();
  std::shared_ptr<InprocPipe> pipe = std::move(*created);
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
