// missive/service/envelope.hpp - the call protocol: requests and replies on a connection.
//
// Every message on a service connection is one wire record (wire.md), inside
// the transport's own framing:
//
//   Request (client -> server)           Reply (server -> client)
//   tag 1  u64     request id            tag 1  u64     request id it answers
//   tag 2  u64     kind (1 call,         tag 2  u64     status (Errc; 0 = ok)
//                  2 notification)       tag 3  string  detail (errors only)
//   tag 3  string  method ("kv.get")     tag 4  bytes   body: the reply message
//   tag 4  bytes   body: the request
//   tag 5  u64     time the caller still waits, microseconds (0: no deadline)
//   tag 6  u64     1 when this id was sent before (a retry)
//   tag 7  string  calling service's name (empty for plain clients)
//   tag 8  u64     protocol version (1)
//
// Bodies are the method's own records, decoded by the handler after the
// envelope: a server validates its own copy of every byte it acts on.
// Notifications get no reply. Unknown tags are skipped (newer peers may add
// fields); a request whose version this build does not know gets an
// unsupported_version reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/core/error.hpp"
#include "missive/core/result.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::service {

inline constexpr std::uint64_t call_protocol_version = 1;

enum class CallKind : std::uint8_t { call = 1, notification = 2 };

// The hot path's forms: fields viewed in place, so a call encodes straight
// into a reused writer and decodes without allocating. A view points into
// the strings and bytes it was made from (or the record it was decoded
// from) and lives no longer than they do.
struct RequestView {
  std::uint64_t id = 0;
  CallKind kind = CallKind::call;
  std::string_view method;
  std::span<const std::byte> body;
  std::uint64_t budget_us = 0;
  bool retry = false;
  std::string_view caller;
  std::uint64_t version = call_protocol_version;

  void encode(RecordWriter& writer) const;
  [[nodiscard]] static Result<RequestView> decode(const RecordView& view);
};

struct ReplyView {
  std::uint64_t id = 0;
  Errc status = Errc::ok;
  std::string_view detail;
  std::span<const std::byte> body;

  void encode(RecordWriter& writer) const;
  [[nodiscard]] static Result<ReplyView> decode(const RecordView& view);
};

// Owning forms, for requests that wait in a queue and for tests.
struct Request {
  std::uint64_t id = 0;
  CallKind kind = CallKind::call;
  std::string method;
  std::vector<std::byte> body;
  std::uint64_t budget_us = 0;  // 0: the caller waits without a deadline
  bool retry = false;
  std::string caller;
  std::uint64_t version = call_protocol_version;

  Request() = default;
  explicit Request(const RequestView& v);
  [[nodiscard]] RequestView view() const noexcept;
  void encode(RecordWriter& writer) const { view().encode(writer); }
  [[nodiscard]] static Result<Request> decode(const RecordView& view);
};

struct Reply {
  std::uint64_t id = 0;
  Errc status = Errc::ok;
  std::string detail;
  std::vector<std::byte> body;

  [[nodiscard]] ReplyView view() const noexcept { return ReplyView{id, status, detail, body}; }
  void encode(RecordWriter& writer) const { view().encode(writer); }
  [[nodiscard]] static Result<Reply> decode(const RecordView& view);
};

}  // namespace missive::service
