#include "missive/service/envelope.hpp"

namespace missive::service {
namespace {

constexpr std::uint64_t highest_errc = 255;

std::vector<std::byte> copy_bytes(std::span<const std::byte> bytes) { return {bytes.begin(), bytes.end()}; }

}  // namespace

void Request::encode(RecordWriter& writer) const {
  writer.add_u64(1, id).add_u64(2, static_cast<std::uint64_t>(kind)).add_string(3, method).add_bytes(4, body);
  if (budget_us != 0) writer.add_u64(5, budget_us);
  if (retry) writer.add_bool(6, true);
  if (!caller.empty()) writer.add_string(7, caller);
  writer.add_u64(8, version);
}

Result<Request> Request::decode(const RecordView& view) {
  Request r;
  Result<std::uint64_t> id = view.get_u64_strict(1);
  Result<std::uint64_t> kind = view.get_u64_strict(2, 1);
  Result<std::string_view> method = view.get_string_strict(3);
  Result<std::span<const std::byte>> body = view.get_bytes_strict(4);
  Result<std::uint64_t> budget = view.get_u64_strict(5);
  Result<std::uint64_t> retry = view.get_u64_strict(6);
  Result<std::string_view> caller = view.get_string_strict(7);
  Result<std::uint64_t> version = view.get_u64_strict(8, 1);
  if (!id || !kind || !method || !body || !budget || !retry || !caller || !version) {
    return Error{Errc::wrong_type, "a request field has the wrong wire type"};
  }
  if (*kind != 1 && *kind != 2) return Error{Errc::malformed_record, "request kind must be 1 (call) or 2 (notification)"};
  if (method->empty()) return Error{Errc::malformed_record, "request without a method"};
  r.id = *id;
  r.kind = static_cast<CallKind>(*kind);
  r.method = std::string(*method);
  r.body = copy_bytes(*body);
  r.budget_us = *budget;
  r.retry = *retry != 0;
  r.caller = std::string(*caller);
  r.version = *version;
  return r;
}

void Reply::encode(RecordWriter& writer) const {
  writer.add_u64(1, id).add_u64(2, static_cast<std::uint64_t>(status));
  if (!detail.empty()) writer.add_string(3, detail);
  writer.add_bytes(4, body);
}

Result<Reply> Reply::decode(const RecordView& view) {
  Result<std::uint64_t> id = view.get_u64_strict(1);
  Result<std::uint64_t> status = view.get_u64_strict(2);
  Result<std::string_view> detail = view.get_string_strict(3);
  Result<std::span<const std::byte>> body = view.get_bytes_strict(4);
  if (!id || !status || !detail || !body) return Error{Errc::wrong_type, "a reply field has the wrong wire type"};
  if (*status > highest_errc) return Error{Errc::malformed_record, "reply status out of range"};
  Reply r;
  r.id = *id;
  r.status = static_cast<Errc>(*status);
  r.detail = std::string(*detail);
  r.body = copy_bytes(*body);
  return r;
}

}  // namespace missive::service
