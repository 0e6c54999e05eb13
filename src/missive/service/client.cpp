#include "missive/service/client.hpp"

#include <chrono>

#include "missive/service/envelope.hpp"

namespace missive::service {
namespace {

std::uint64_t budget_us(Deadline deadline) noexcept {
  if (deadline.is_never()) return 0;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline.remaining()).count();
  return left <= 0 ? 1 : static_cast<std::uint64_t>(left);
}

// The caller's copy of the body is the one allocation a reply costs.
CallResult<std::vector<std::byte>> reply_result(const ReplyView& reply) {
  if (reply.status != Errc::ok) return CallError{reply.status, std::string(reply.detail)};
  return std::vector<std::byte>(reply.body.begin(), reply.body.end());
}

CallResult<std::vector<std::byte>> decode_reply(const RecordView& view) {
  Result<ReplyView> reply = ReplyView::decode(view);
  if (!reply) return reply.error();
  return reply_result(*reply);
}

}  // namespace

Client::Client(std::unique_ptr<transport::Connection> conn, ClientOptions options) noexcept
    : conn_(std::move(conn)), options_(std::move(options)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::connect(std::string_view address, Deadline deadline, ClientOptions options) {
  Result<transport::Connection> conn = transport::connect(address, deadline, options.connect);
  if (!conn) return conn.error();
  return Client(std::make_unique<transport::Connection>(std::move(*conn)), std::move(options));
}

CallError Client::fail_connection(const Error& error) {
  broken_ = true;
  // Whatever ended the connection, for a caller the server is gone.
  broken_error_ = error == Errc::closed || error == Errc::peer_died
                      ? Error{Errc::peer_died, "the server's connection ended with this call in flight"}
                      : error;
  return broken_error_;
}

Status Client::send_request(std::uint64_t id, std::string_view method, std::span<const std::byte> body,
                            Deadline deadline, bool notification, bool retry) {
  if (broken_) return broken_error_;
  const RequestView request{id,     notification ? CallKind::notification : CallKind::call,
                            method, body, budget_us(deadline), retry, options_.caller};
  writer_.clear();  // encoded in place into a buffer reused from call to call
  request.encode(writer_);
  Status sent = conn_->send(writer_.bytes(), deadline);
  if (!sent && sent.error() != Errc::timed_out && sent.error() != Errc::too_large) {
    (void)fail_connection(sent.error());
    return broken_error_;
  }
  return sent;
}

Result<std::uint64_t> Client::send_call(std::string_view method, std::span<const std::byte> body, Deadline deadline,
                                        bool retry_of_id, std::uint64_t id) {
  const std::uint64_t call_id = retry_of_id ? id : next_id_++;
  if (retry_of_id && next_id_ <= id) next_id_ = id + 1;  // never hand this id out again
  if (Status s = send_request(call_id, method, body, deadline, false, retry_of_id); !s) return s.error();
  outstanding_.insert(call_id);
  ++stats_.calls;
  return call_id;
}

CallResult<std::vector<std::byte>> Client::wait_reply(std::uint64_t id, Deadline deadline) {
  if (outstanding_.count(id) == 0) return CallError{Errc::invalid_argument, "no call with this id is outstanding"};
  for (;;) {
    if (auto it = arrived_.find(id); it != arrived_.end()) {
      const std::vector<std::byte> bytes = std::move(it->second);
      arrived_.erase(it);
      outstanding_.erase(id);
      Result<RecordView> view = RecordView::parse(bytes, options_.limits);
      if (!view) return view.error();
      return decode_reply(*view);
    }
    if (broken_) {
      outstanding_.erase(id);
      return CallError(broken_error_);
    }
    Status received = conn_->recv(scratch_, deadline);
    if (!received) {
      if (received.error() == Errc::timed_out) return CallError{Errc::timed_out, "no reply before the deadline"};
      outstanding_.erase(id);
      return fail_connection(received.error());
    }
    Result<RecordView> view = RecordView::parse(scratch_, options_.limits);
    if (!view) continue;  // a reply we cannot read cannot be matched either
    const std::uint64_t reply_id = view->get_u64(1);
    if (reply_id == id) {  // the common case: the reply we wait for, decoded in place
      outstanding_.erase(id);
      return decode_reply(*view);
    }
    if (outstanding_.count(reply_id) == 0) {
      ++stats_.late_replies;
      continue;
    }
    arrived_[reply_id] = scratch_;
  }
}

void Client::abandon(std::uint64_t id) noexcept {
  outstanding_.erase(id);
  arrived_.erase(id);
}

CallResult<std::vector<std::byte>> Client::call(std::string_view method, std::span<const std::byte> body,
                                                Deadline deadline) {
  Result<std::uint64_t> id = send_call(method, body, deadline);
  if (!id) return id.error();
  CallResult<std::vector<std::byte>> reply = wait_reply(*id, deadline);
  if (!reply && reply.error() == Errc::timed_out) outstanding_.erase(*id);  // a late reply is dropped
  return reply;
}

Status Client::notify(std::string_view method, std::span<const std::byte> body, Deadline deadline) {
  return send_request(next_id_++, method, body, deadline, true, false);
}

}  // namespace missive::service
