// missive/service/client.hpp - Client: calls to one server over one connection.
//
//   auto client = service::Client::connect("shm://kvd", Deadline::after(1s)).value();
//   auto reply = client.call<GetReply>("kv.get", GetRequest{"k"}, Deadline::after(100ms));
//   if (!reply) log(reply.error().message());   // timed_out, peer_died, not_found...
//
// Calls are synchronous (call), asynchronous (send_call now, wait_reply
// later, in any order) or one-way (notify). Every wait has a deadline, and
// each request carries the caller's remaining budget so the server knows it.
//
// Contract
// - One thread at a time uses a Client (it owns both sides of its
//   connection); give each thread its own Client.
// - Request ids are unique per Client and increase; a reply is matched to its
//   call by id, replies of other outstanding calls are kept until asked for.
// - When the server's process dies or closes the connection, every call in
//   flight fails with peer_died at once (shm notices through the server's
//   pidfd, unix through EOF), and so does every later call: connect again
//   (ServiceClient in service_client.hpp does that by name).
// - A call that times out leaves its id outstanding: a late reply is
//   discarded when it arrives.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/service/call_error.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/options.hpp"
#include "missive/wire/message.hpp"

namespace missive::service {

struct ClientOptions {
  transport::ConnectOptions connect{};
  std::string caller;  // this process's service name, when it is a service
  RecordLimits limits{};
};

struct ClientStats {
  std::uint64_t calls = 0;
  std::uint64_t late_replies = 0;  // replies to calls that had already timed out
};

class Client {
 public:
  [[nodiscard]] static Result<Client> connect(std::string_view address, Deadline deadline, ClientOptions options = {});
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends a call and waits for its reply.
  [[nodiscard]] CallResult<std::vector<std::byte>> call(std::string_view method, std::span<const std::byte> body,
                                                        Deadline deadline);
  template <Message Rep, Message Req>
  [[nodiscard]] CallResult<Rep> call(std::string_view method, const Req& request, Deadline deadline) {
    const std::vector<std::byte> body = encode_message(request);
    CallResult<std::vector<std::byte>> reply = call(method, body, deadline);
    if (!reply) return reply.error();
    Result<Rep> decoded = decode_message<Rep>(*reply, options_.limits);
    if (!decoded) return decoded.error();
    return std::move(*decoded);
  }

  // Asynchronous calls: send now (the id), collect later.
  [[nodiscard]] Result<std::uint64_t> send_call(std::string_view method, std::span<const std::byte> body,
                                                Deadline deadline, bool retry_of_id = false, std::uint64_t id = 0);
  [[nodiscard]] CallResult<std::vector<std::byte>> wait_reply(std::uint64_t id, Deadline deadline);
  // Stops waiting for call `id`: its reply, kept or still to come, is dropped
  // as a late reply. Nothing happens for an id that is not outstanding.
  void abandon(std::uint64_t id) noexcept;

  // One-way: no reply comes back.
  [[nodiscard]] Status notify(std::string_view method, std::span<const std::byte> body, Deadline deadline);

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  [[nodiscard]] std::size_t in_flight() const noexcept { return outstanding_.size(); }
  [[nodiscard]] const ClientStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const transport::Connection& connection() const noexcept { return *conn_; }

 private:
  Client(std::unique_ptr<transport::Connection> conn, ClientOptions options) noexcept;
  [[nodiscard]] Status send_request(std::uint64_t id, std::string_view method, std::span<const std::byte> body,
                                    Deadline deadline, bool notification, bool retry);
  [[nodiscard]] CallError fail_connection(const Error& error);

  std::unique_ptr<transport::Connection> conn_;
  ClientOptions options_;
  std::uint64_t next_id_ = 1;
  std::unordered_set<std::uint64_t> outstanding_;  // sent, no reply taken yet
  std::unordered_map<std::uint64_t, std::vector<std::byte>> arrived_;  // encoded replies not yet asked for
  bool broken_ = false;
  Error broken_error_{};
  std::vector<std::byte> scratch_;
  RecordWriter writer_;  // the request being sent, its buffer reused
  ClientStats stats_;
};

}  // namespace missive::service
