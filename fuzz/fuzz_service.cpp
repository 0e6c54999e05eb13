// libFuzzer target: every decoder a service process runs on untrusted bytes:
// the call envelopes (Request, Reply), the host's registry messages, the stats
// reply, and the fsd and kvd requests (through their services' handle(), which
// limits sizes before decoding). Oracle: no crash and no sanitizer report, and
// an accepted envelope re-encodes to bytes that decode to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "missive/service/envelope.hpp"
#include "missive/service/registry_protocol.hpp"
#include "missive/service/stats_protocol.hpp"
#include "missive/services/fs_protocol.hpp"
#include "missive/services/kv_protocol.hpp"
#include "missive/wire/message.hpp"

namespace {

using namespace missive;

void require(bool condition) {
  if (!condition) std::abort();
}

template <class T>
void decode_only(std::span<const std::byte> bytes) {
  (void)decode_message<T>(bytes);
}

void check_request_round_trip(std::span<const std::byte> bytes) {
  Result<service::Request> request = decode_message<service::Request>(bytes);
  if (!request) return;
  Result<service::Request> again = decode_message<service::Request>(encode_message(*request));
  require(static_cast<bool>(again));
  require(again->id == request->id && again->method == request->method && again->body == request->body &&
          again->kind == request->kind && again->budget_us == request->budget_us && again->retry == request->retry &&
          again->caller == request->caller && again->version == request->version);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  check_request_round_trip(input);
  decode_only<service::Reply>(input);
  decode_only<service::RegisterRequest>(input);
  decode_only<service::LookupReply>(input);
  decode_only<service::StatusReply>(input);
  decode_only<service::WaitRequest>(input);
  decode_only<service::UnwaitRequest>(input);
  decode_only<service::StatsReply>(input);
  decode_only<services::FsStatRequest>(input);
  decode_only<services::FsListRequest>(input);
  decode_only<services::FsOpenRequest>(input);
  decode_only<services::FsReadRequest>(input);
  decode_only<services::FsReadReply>(input);
  decode_only<services::KvGetRequest>(input);
  decode_only<services::KvPutRequest>(input);
  decode_only<services::KvScanRequest>(input);
  decode_only<services::KvScanReply>(input);
  return 0;
}
