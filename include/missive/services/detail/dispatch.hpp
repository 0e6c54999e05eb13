// missive/services/detail/dispatch.hpp - bytes in, typed call, bytes out.
//
// call_with_bytes<Request>(payload, limits, handler) validates `payload` as a
// record within `limits` (so an oversized or malformed request is refused
// before anything is allocated for it), decodes it as Request, runs the
// handler, and encodes the reply. Every failure comes back as an Error; none
// changes the service's state.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/wire/message.hpp"

namespace missive::services::detail {

template <Message Request, class Handler>
Result<std::vector<std::byte>> call_with_bytes(std::span<const std::byte> payload, const RecordLimits& limits,
                                               Handler&& handler) {
  if (payload.size() > limits.max_bytes) return Error{Errc::too_large, "request larger than the service accepts"};
  Result<Request> request = decode_message<Request>(payload, limits);
  if (!request) return request.error();
  auto reply = handler(*request);
  if (!reply) return reply.error();
  return encode_message(*reply);
}

}  // namespace missive::services::detail
