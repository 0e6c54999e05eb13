// missive/service/server.hpp - Server: answers calls on one address, by method name.
//
//   auto server = service::Server::create("shm://kvd", {}).value();
//   server->handle_message<GetRequest, GetReply>("kv.get",
//       [&](const service::CallContext&, const GetRequest& req) -> service::CallResult<GetReply> {...});
//   if (Status s = server->start(); !s) ...
//   ...
//   server->stop();
//
// Requests arrive as envelopes (envelope.hpp). The server decodes each one on
// its own copy of the bytes, refuses what it cannot use with an error reply
// (unknown method: not_found; malformed body: the decoder's error; repeated
// request id on a connection: rejected) and keeps serving.
//
// Dispatch
// - inline (default): each connection's reader thread runs its handlers; the
//   lowest latency (no thread hand-off). Connections run concurrently, so
//   handlers must be thread-safe.
// - fair_queue: reader threads put requests into one sched::FairQueue (one
//   flow per connection) and `workers` threads take them in the queue's fair
//   order (equal_messages, equal_bytes or explicit weights). A full flow
//   (flow_capacity) stops that connection's reader, so its client feels
//   backpressure through the transport; no request is dropped.
//
// Contract
// - handle*() before start(); start() once; stop() from any thread but a
//   handler's, idempotent; the destructor stops.
// - A reply is sent only for calls (not notifications), with the request's id.
// - When a client goes away, its queued requests are discarded (counted in
//   stats().discarded); nobody is left to read their replies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/sched/flow_stats.hpp"
#include "missive/sched/options.hpp"
#include "missive/service/call_error.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/options.hpp"
#include "missive/wire/message.hpp"

namespace missive::service {

// What a handler knows about the call it serves.
struct CallContext {
  std::uint64_t request_id = 0;
  std::uint64_t connection_id = 0;  // the fair-queue flow; unique per server
  std::string_view method;
  std::string_view caller;          // the calling service's name, if any
  transport::PeerInfo peer;         // SO_PEERCRED of the client
  Deadline deadline = Deadline::never();  // the caller's remaining budget
  bool retry = false;
  bool notification = false;
};

using Handler = std::function<CallResult<Bytes>(const CallContext&, std::span<const std::byte> body)>;

enum class Dispatch : std::uint8_t { inline_per_connection, fair_queue };

struct ServerOptions {
  transport::ListenOptions listen{};
  Dispatch dispatch = Dispatch::inline_per_connection;
  sched::FairQueueOptions scheduling{.flow_capacity = 256};  // fair_queue dispatch
  std::size_t workers = 1;                                     // fair_queue dispatch
  std::size_t duplicate_window = 1024;  // request ids remembered per connection
  RecordLimits limits{};                // for request envelopes
  // How often blocked threads look at the stop flag.
  std::chrono::milliseconds poll_interval{50};
};

struct ServerStats {
  std::uint64_t connections = 0;  // accepted so far
  std::uint64_t open_connections = 0;
  std::uint64_t calls = 0;
  std::uint64_t notifications = 0;
  std::uint64_t errors = 0;       // error replies (handler errors included)
  std::uint64_t bad_requests = 0; // envelopes that did not decode
  std::uint64_t duplicates = 0;
  std::uint64_t discarded = 0;    // queued requests of clients that left
  std::uint64_t queued = 0;       // now, fair_queue dispatch
};

class Server {
 public:
  // Listens at `address` (any transport). Errors: those of Listener::listen.
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(std::string_view address, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void handle(std::string method, Handler handler);

  // Typed handler: decodes Req (a decode error becomes the reply), encodes Rep.
  template <Message Req, Message Rep, class Fn>
  void handle_message(std::string method, Fn fn) {
    handle(std::move(method), [fn = std::move(fn), limits = limits()](const CallContext& ctx,
                                                                       std::span<const std::byte> body) -> CallResult<Bytes> {
      Result<Req> request = decode_message<Req>(body, limits);
      if (!request) return request.error();
      auto reply = fn(ctx, *request);  // CallResult<Rep> or Result<Rep>
      if (!reply) return CallError(reply.error());
      return encode_message(*reply);
    });
  }

  // Called on the connection's reader thread once it has ended (the client
  // closed or died), so per-client state (open files, sessions) can go.
  // Set before start().
  void on_disconnect(std::function<void(std::uint64_t connection_id)> callback);

  [[nodiscard]] Status start();
  void stop() noexcept;

  [[nodiscard]] std::string_view address() const noexcept;
  [[nodiscard]] ServerStats stats() const;
  // fair_queue dispatch: per-connection statistics (empty otherwise).
  [[nodiscard]] std::vector<sched::FlowStats> flow_stats() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl) noexcept;
  [[nodiscard]] RecordLimits limits() const noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::service
