// Server: one acceptor thread, one reader thread per connection, and (with
// fair_queue dispatch) worker threads behind one FairQueue.
//
// Thread-safety and invariants
// - handlers_ is written only before start() and read-only afterwards.
// - A Session's receive side belongs to its reader thread; its send side is
//   used under send_mutex by whichever thread replies (reader or worker).
// - queue_ is guarded by queue_mutex_; queue_ready_ signals "not empty or
//   stopping", queue_space_ "a flow lost a message or stopping".
// - Sessions are shared_ptr-owned by the running_ table and by queued
//   requests; a Connection is destroyed (closed) when the last owner lets go,
//   always after its reader has been joined or has finished.
#include "missive/service/server.hpp"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "missive/sched/fair_queue.hpp"
#include "missive/service/envelope.hpp"
#include "missive/service/stats_protocol.hpp"
#include "missive/transport/listener.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

// Counters only: nothing else is published through them, so relaxed is enough.
struct Counters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> notifications{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> discarded{0};
};

void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  counter.fetch_add(by, std::memory_order_relaxed);  // statistics: no ordering needed
}

std::uint64_t read(const std::atomic<std::uint64_t>& counter) noexcept {
  return counter.load(std::memory_order_relaxed);  // statistics: a recent value is enough
}

// Request ids seen on one connection, the last `capacity` of them, in a ring
// that never allocates after construction. A client numbers its requests
// upwards, so an id above every id seen is new without a search; only a
// retry or an out-of-order id scans the ring.
class DuplicateWindow {
 public:
  explicit DuplicateWindow(std::size_t capacity) : ring_(capacity) {}
  // True the first time `id` is seen (while it is in the window).
  bool first_time(std::uint64_t id) {
    if (ring_.empty()) return true;
    const bool above_all = count_ == 0 || id > highest_;
    if (!above_all) {
      const std::size_t held = std::min(count_, ring_.size());
      for (std::size_t i = 0; i < held; ++i) {
        if (ring_[i] == id) return false;
      }
    }
    ring_[next_] = id;
    next_ = next_ + 1 == ring_.size() ? 0 : next_ + 1;
    ++count_;
    if (above_all) highest_ = id;
    return true;
  }

 private:
  std::vector<std::uint64_t> ring_;
  std::size_t next_ = 0;   // where the next id goes (overwriting the oldest)
  std::size_t count_ = 0;  // ids ever recorded
  std::uint64_t highest_ = 0;
};

// Lets handlers_ be searched by the string_view a request was decoded into.
struct MethodHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view method) const noexcept { return std::hash<std::string_view>{}(method); }
};

struct Session {
  Session(std::uint64_t session_id, transport::Connection connection, std::size_t window)
      : id(session_id), conn(std::move(connection)), peer(conn.peer()), duplicates(window) {}
  std::uint64_t id;
  transport::Connection conn;
  transport::PeerInfo peer;
  std::mutex send_mutex;
  // Set by whichever thread sees the connection fail; read by workers to skip
  // dead sessions. Relaxed: it is a hint, the send itself reports the failure.
  std::atomic<bool> open{true};
  DuplicateWindow duplicates;  // reader thread only
  RecordWriter reply_writer;   // under send_mutex: replies encoded in place
};

struct Queued {
  std::shared_ptr<Session> session;
  Request request;
};

struct Running {
  std::shared_ptr<Session> session;
  std::thread reader;
  std::shared_ptr<std::atomic<bool>> finished;
};

Deadline deadline_of(const RequestView& request) noexcept {
  if (request.budget_us == 0) return Deadline::never();
  return Deadline::after(std::chrono::microseconds(request.budget_us));
}

}  // namespace

class Server::Impl {
 public:
  Impl(std::string address, ServerOptions options, transport::Listener listener)
      : address_(std::move(address)), options_(std::move(options)), listener_(std::move(listener)) {}

  ~Impl() { stop(); }

  std::string address_;
  ServerOptions options_;
  transport::Listener listener_;
  std::unordered_map<std::string, Handler, MethodHash, std::equal_to<>> handlers_;
  std::function<void(std::uint64_t)> on_disconnect_;
  Counters counters_;
  // Set once by stop(); every loop reads it. Relaxed suffices: it carries no
  // data, and joins give the happens-before edges teardown needs.
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread acceptor_;

  std::mutex running_mutex_;
  std::vector<Running> running_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::condition_variable queue_space_;
  std::optional<sched::FairQueue<Queued>> queue_;
  std::vector<std::thread> workers_;

  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }

  Status start() {
    if (started_) return Error{Errc::invalid_argument, "Server::start called twice"};
    if (options_.dispatch == Dispatch::fair_queue) {
      auto queue = sched::FairQueue<Queued>::create(options_.scheduling);
      if (!queue) return queue.error();
      queue_.emplace(std::move(*queue));
      const std::size_t workers = options_.workers == 0 ? 1 : options_.workers;
      for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
    }
    started_ = true;
    acceptor_ = std::thread([this] { accept_loop(); });
    return ok();
  }

  void stop() noexcept {
    if (stopping_.exchange(true, std::memory_order_relaxed)) return;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<Running> running;
    {
      std::lock_guard lock(running_mutex_);
      running.swap(running_);
    }
    for (Running& r : running) r.reader.join();
    {
      std::lock_guard lock(queue_mutex_);  // pairs with the waits' predicate checks
    }
    queue_ready_.notify_all();
    queue_space_.notify_all();
    for (std::thread& w : workers_) w.join();
    workers_.clear();
    if (queue_) {
      std::lock_guard lock(queue_mutex_);
      while (!queue_->empty()) {
        if (!queue_->dequeue()) break;
        bump(counters_.discarded);
      }
    }
  }

  void accept_loop() {
    std::uint64_t next_id = 1;
    while (!stopping()) {
      reap_finished_readers();
      Result<transport::Connection> conn = listener_.accept(Deadline::after(options_.poll_interval));
      if (!conn) {
        if (conn.error() != Errc::timed_out) std::this_thread::sleep_for(options_.poll_interval);
        continue;
      }
      auto session = std::make_shared<Session>(next_id++, std::move(*conn), options_.duplicate_window);
      bump(counters_.connections);
      bump(counters_.open_connections);
      auto finished = std::make_shared<std::atomic<bool>>(false);
      std::lock_guard lock(running_mutex_);
      running_.push_back(Running{session, std::thread([this, session, finished] {
                                   read_loop(session);
                                   // Release: the reader's last writes happen before reap's join anyway;
                                   // the flag only says "joinable without waiting".
                                   finished->store(true, std::memory_order_release);
                                 }),
                                 finished});
    }
  }

  void reap_finished_readers() {
    std::lock_guard lock(running_mutex_);
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->finished->load(std::memory_order_acquire)) {  // pairs with the reader's release store
        it->reader.join();
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void read_loop(const std::shared_ptr<Session>& session) {
    Bytes message;
    while (!stopping()) {
      Status received = session->conn.recv(message, Deadline::after(options_.poll_interval));
      if (!received) {
        if (received.error() == Errc::timed_out) continue;
        break;  // closed, peer_died, or a framing error: this connection is over
      }
      on_message(session, message);
    }
    session->open.store(false, std::memory_order_relaxed);
    counters_.open_connections.fetch_sub(1, std::memory_order_relaxed);  // statistics only
    if (queue_) drop_flow(session->id);
    if (on_disconnect_) on_disconnect_(session->id);
  }

  void drop_flow(std::uint64_t flow) {
    std::lock_guard lock(queue_mutex_);
    if (!queue_->contains(flow)) return;
    Result<std::vector<Queued>> left = queue_->remove_flow(flow);
    if (left) bump(counters_.discarded, left->size());
  }

  void on_message(const std::shared_ptr<Session>& session, std::span<const std::byte> bytes) {
    Result<RecordView> view = RecordView::parse(bytes, options_.limits);
    if (!view) {
      bump(counters_.bad_requests);
      return;  // not a record: there is no id to answer
    }
    Result<RequestView> request = RequestView::decode(*view);  // views into `bytes`
    if (!request) {
      bump(counters_.bad_requests);
      send_error(*session, view->get_u64(1), request.error());
      return;
    }
    if (request->version > call_protocol_version) {
      bump(counters_.bad_requests);
      send_error(*session, request->id, Error{Errc::unsupported_version, "call protocol version is newer than this server"});
      return;
    }
    if (!session->duplicates.first_time(request->id)) {
      bump(counters_.duplicates);
      if (request->kind == CallKind::call) {
        send_error(*session, request->id, Error{Errc::rejected, "duplicate request id on this connection"});
      }
      return;
    }
    if (!queue_) {
      run(*session, *request);
      return;
    }
    enqueue(session, Request(*request));  // the queue outlives `bytes`: an owning copy
  }

  void enqueue(const std::shared_ptr<Session>& session, Request request) {
    const std::size_t bytes = request.body.size();
    Queued item{session, std::move(request)};
    std::unique_lock lock(queue_mutex_);
    for (;;) {
      Status queued = queue_->enqueue(session->id, std::move(item), bytes);
      if (queued) break;
      if (queued.error() != Errc::would_block) {
        lock.unlock();
        send_error(*session, item.request.id, queued.error());
        return;
      }
      // This client's flow is full: stop reading it until a worker takes one.
      queue_space_.wait_for(lock, options_.poll_interval);
      if (stopping()) return;
    }
    lock.unlock();
    queue_ready_.notify_one();
  }

  void work() {
    for (;;) {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [&] { return stopping() || !queue_->empty(); });
      if (stopping()) return;
      Result<sched::Dequeued<Queued>> next = queue_->dequeue();
      lock.unlock();
      queue_space_.notify_all();
      if (!next) continue;
      Queued& item = next->item;
      if (!item.session->open.load(std::memory_order_relaxed)) {
        bump(counters_.discarded);
        continue;
      }
      run(*item.session, item.request.view());
    }
  }

  CallResult<Bytes> invoke(const Handler& handler, const CallContext& ctx, std::span<const std::byte> body) {
    try {
      return handler(ctx, body);
    } catch (const std::exception& e) {
      return CallError{Errc::system_error, std::string("handler threw: ") + e.what()};
    } catch (...) {
      return CallError{Errc::system_error, "handler threw a non-standard exception"};
    }
  }

  CallResult<Bytes> dispatch(Session& session, const RequestView& request, bool notification) {
    const auto found = handlers_.find(request.method);
    if (found == handlers_.end()) return CallError{Errc::not_found, "no such method: " + std::string(request.method)};
    const CallContext ctx{request.id, session.id, request.method, request.caller, session.peer,
                          deadline_of(request), request.retry, notification};
    return invoke(found->second, ctx, request.body);
  }

  void run(Session& session, const RequestView& request) {
    const bool notification = request.kind == CallKind::notification;
    bump(notification ? counters_.notifications : counters_.calls);
    const CallResult<Bytes> result = dispatch(session, request, notification);
    if (!result) bump(counters_.errors);
    if (notification) return;
    if (result) {
      send_reply(session, ReplyView{request.id, Errc::ok, {}, *result});
    } else {
      send_reply(session, ReplyView{request.id, result.error().code, result.error().detail, {}});
    }
  }

  void send_error(Session& session, std::uint64_t id, const CallError& error) {
    bump(counters_.errors);
    send_reply(session, ReplyView{id, error.code, error.detail, {}});
  }

  void send_reply(Session& session, const ReplyView& reply) {
    std::lock_guard lock(session.send_mutex);
    session.reply_writer.clear();  // its buffer is reused from reply to reply
    reply.encode(session.reply_writer);
    // A client that stops reading for a second is treated as gone.
    if (Status s = session.conn.send(session.reply_writer.bytes(), Deadline::after(1s)); !s) {
      session.open.store(false, std::memory_order_relaxed);
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {
  // Built in: every server describes itself (stats_protocol.hpp).
  handle_message<StatsRequest, StatsReply>(stats_method, [this](const CallContext&, const StatsRequest&) -> CallResult<StatsReply> {
    StatsReply reply;
    reply.server = stats();
    reply.pid = static_cast<std::uint64_t>(::getpid());
    for (const sched::FlowStats& f : flow_stats()) {
      reply.flows.push_back(FlowEntry{f.id, f.messages, f.bytes, f.backlog_messages,
                                      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(f.mean_wait()).count()),
                                      static_cast<std::uint64_t>(f.weight * 1000.0)});
    }
    return reply;
  });
}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(std::string_view address, ServerOptions options) {
  Result<transport::Listener> listener = transport::Listener::listen(address, options.listen);
  if (!listener) return listener.error();
  auto impl = std::make_unique<Impl>(std::string(address), std::move(options), std::move(*listener));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::handle(std::string method, Handler handler) { impl_->handlers_[std::move(method)] = std::move(handler); }
void Server::on_disconnect(std::function<void(std::uint64_t)> callback) { impl_->on_disconnect_ = std::move(callback); }
Status Server::start() { return impl_->start(); }
void Server::stop() noexcept { impl_->stop(); }
std::string_view Server::address() const noexcept { return impl_->address_; }
RecordLimits Server::limits() const noexcept { return impl_->options_.limits; }

ServerStats Server::stats() const {
  const Counters& c = impl_->counters_;
  ServerStats s{read(c.connections), read(c.open_connections), read(c.calls),      read(c.notifications),
                read(c.errors),      read(c.bad_requests),     read(c.duplicates), read(c.discarded), 0};
  if (impl_->queue_) {
    std::lock_guard lock(impl_->queue_mutex_);
    s.queued = impl_->queue_->size();
  }
  return s;
}

std::vector<sched::FlowStats> Server::flow_stats() const {
  if (!impl_->queue_) return {};
  std::lock_guard lock(impl_->queue_mutex_);
  return impl_->queue_->all_stats();
}

}  // namespace missive::service
