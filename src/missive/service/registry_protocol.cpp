#include "missive/service/registry_protocol.hpp"

#include "missive/wire/message.hpp"

namespace missive::service {
namespace {

Result<std::string> string_field(const RecordView& v, Tag tag) {
  Result<std::string_view> s = v.get_string_strict(tag);
  if (!s) return s.error();
  return std::string(*s);
}

}  // namespace

void RegisterRequest::encode(RecordWriter& w) const { w.add_string(1, name).add_string(2, address).add_u64(3, pid); }
Result<RegisterRequest> RegisterRequest::decode(const RecordView& v) {
  Result<std::string> name = string_field(v, 1);
  Result<std::string> address = string_field(v, 2);
  Result<std::uint64_t> pid = v.get_u64_strict(3);
  if (!name || !address || !pid) return Error{Errc::wrong_type, "register: a field has the wrong wire type"};
  if (name->empty() || address->empty()) return Error{Errc::invalid_argument, "register needs a name and an address"};
  return RegisterRequest{std::move(*name), std::move(*address), *pid};
}

void RegisterReply::encode(RecordWriter& w) const { w.add_u64(1, generation); }
Result<RegisterReply> RegisterReply::decode(const RecordView& v) {
  Result<std::uint64_t> generation = v.get_u64_strict(1);
  if (!generation) return generation.error();
  return RegisterReply{*generation};
}

void LookupRequest::encode(RecordWriter& w) const { w.add_string(1, name); }
Result<LookupRequest> LookupRequest::decode(const RecordView& v) {
  Result<std::string> name = string_field(v, 1);
  if (!name) return name.error();
  if (name->empty()) return Error{Errc::invalid_argument, "lookup needs a service name"};
  return LookupRequest{std::move(*name)};
}

void LookupReply::encode(RecordWriter& w) const { w.add_string(1, address).add_u64(2, pid).add_u64(3, generation); }
Result<LookupReply> LookupReply::decode(const RecordView& v) {
  Result<std::string> address = string_field(v, 1);
  Result<std::uint64_t> pid = v.get_u64_strict(2);
  Result<std::uint64_t> generation = v.get_u64_strict(3);
  if (!address || !pid || !generation) return Error{Errc::wrong_type, "lookup reply: a field has the wrong wire type"};
  return LookupReply{std::move(*address), *pid, *generation};
}

void ServiceStatus::encode(RecordWriter& w) const {
  w.add_string(1, name).add_string(2, state).add_u64(3, pid).add_u64(4, generation).add_u64(5, restarts);
  w.add_u64(6, uptime_ms).add_string(7, address).add_string(8, last_exit);
}
Result<ServiceStatus> ServiceStatus::decode(const RecordView& v) {
  ServiceStatus s;
  Result<std::string> name = string_field(v, 1);
  Result<std::string> state = string_field(v, 2);
  Result<std::string> address = string_field(v, 7);
  Result<std::string> last_exit = string_field(v, 8);
  if (!name || !state || !address || !last_exit) return Error{Errc::wrong_type, "service status: wrong wire type"};
  s.name = std::move(*name);
  s.state = std::move(*state);
  s.pid = v.get_u64(3);
  s.generation = v.get_u64(4);
  s.restarts = v.get_u64(5);
  s.uptime_ms = v.get_u64(6);
  s.address = std::move(*address);
  s.last_exit = std::move(*last_exit);
  return s;
}

void StatusReply::encode(RecordWriter& w) const {
  for (const ServiceStatus& s : services) add_message(w, 1, s);
  w.add_u64(2, host_pid);
}
Result<StatusReply> StatusReply::decode(const RecordView& v) {
  StatusReply reply;
  Error failure{};
  v.for_each_record(1, [&](const RecordView& nested) {
    Result<ServiceStatus> s = ServiceStatus::decode(nested);
    if (s) {
      reply.services.push_back(std::move(*s));
    } else {
      failure = s.error();
    }
  });
  if (failure.code != Errc::ok) return failure;
  reply.host_pid = v.get_u64(2);
  return reply;
}

void WaitRequest::encode(RecordWriter& w) const {
  w.add_string(1, caller).add_string(2, callee).add_u64(3, request_id);
  if (started_ns != 0) w.add_u64(4, started_ns);
}
Result<WaitRequest> WaitRequest::decode(const RecordView& v) {
  Result<std::string> caller = string_field(v, 1);
  Result<std::string> callee = string_field(v, 2);
  Result<std::uint64_t> id = v.get_u64_strict(3);
  Result<std::uint64_t> started = v.get_u64_strict(4);  // absent: 0, the host numbers the edge
  if (!caller || !callee || !id || !started) return Error{Errc::wrong_type, "wait: a field has the wrong wire type"};
  if (caller->empty() || callee->empty()) return Error{Errc::invalid_argument, "wait needs a caller and a callee"};
  return WaitRequest{std::move(*caller), std::move(*callee), *id, *started};
}

void UnwaitRequest::encode(RecordWriter& w) const { w.add_string(1, caller).add_u64(2, request_id); }
Result<UnwaitRequest> UnwaitRequest::decode(const RecordView& v) {
  Result<std::string> caller = string_field(v, 1);
  Result<std::uint64_t> id = v.get_u64_strict(2);
  if (!caller || !id) return Error{Errc::wrong_type, "unwait: a field has the wrong wire type"};
  return UnwaitRequest{std::move(*caller), *id};
}

}  // namespace missive::service
