#include "missive/service/envelope.hpp"

namespace missive::service {
namespace {

constexpr std::uint64_t highest_errc = 255;

}  // namespace

void RequestView::encode(RecordWriter& writer) const {
  writer.add_u64(1, id).add_u64(2, static_cast<std::uint64_t>(kind)).add_string(3, method).add_bytes(4, body);
  if (budget_us != 0) writer.add_u64(5, budget_us);
  if (retry) writer.add_bool(6, true);
  if (!caller.empty()) writer.add_string(7, caller);
  writer.add_u64(8, version);
}

Result<RequestView> RequestView::decode(const RecordView& view) {
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
  return RequestView{*id, static_cast<CallKind>(*kind), *method, *body, *budget, *retry != 0, *caller, *version};
}

Request::Request(const RequestView& v)
    : id(v.id),
      kind(v.kind),
      method(v.method),
      body(v.body.begin(), v.body.end()),
      budget_us(v.budget_us),
      retry(v.retry),
      caller(v.caller),
      version(v.version) {}

RequestView Request::view() const noexcept { return RequestView{id, kind, method, body, budget_us, retry, caller, version}; }

Result<Request> Request::decode(const RecordView& view) {
  Result<RequestView> v = RequestView::decode(view);
  if (!v) return v.error();
  return Request(*v);
}

void ReplyView::encode(RecordWriter& writer) const {
  writer.add_u64(1, id).add_u64(2, static_cast<std::uint64_t>(status));
  if (!detail.empty()) writer.add_string(3, detail);
  writer.add_bytes(4, body);
}

Result<ReplyView> ReplyView::decode(const RecordView& view) {
  Result<std::uint64_t> id = view.get_u64_strict(1);
  Result<std::uint64_t> status = view.get_u64_strict(2);
  Result<std::string_view> detail = view.get_string_strict(3);
  Result<std::span<const std::byte>> body = view.get_bytes_strict(4);
  if (!id || !status || !detail || !body) return Error{Errc::wrong_type, "a reply field has the wrong wire type"};
  if (*status > highest_errc) return Error{Errc::malformed_record, "reply status out of range"};
  return ReplyView{*id, static_cast<Errc>(*status), *detail, *body};
}

Result<Reply> Reply::decode(const RecordView& view) {
  Result<ReplyView> v = ReplyView::decode(view);
  if (!v) return v.error();
  Reply r;
  r.id = v->id;
  r.status = v->status;
  r.detail = std::string(v->detail);
  r.body.assign(v->body.begin(), v->body.end());
  return r;
}

}  // namespace missive::service
