// missive/services/fs_service.hpp - FsService: fsd's request handlers, without transport.
//
// The service host's Server decodes nothing itself: for each request frame it
// calls handle(session, message_type, payload) (or, having decoded the
// request, the typed method) and sends back the bytes or the Error.
//
//   FsService service(root);                    // root: an FsRoot that outlives it
//   FsSession session = service.new_session();  // one per connected client
//   auto reply = service.handle(session, frame.message_type, payload);
//
// Hostile input is answered with an error and changes nothing: payloads above
// FsServiceLimits::max_request_bytes (too_large), malformed records
// (truncated, malformed_record, ...), fields of the wrong wire type
// (wrong_type), versions outside 1..2 (unsupported_version), unknown message
// types (invalid_argument), and refused paths (see fs_root.hpp). Paths are
// checked on the request's own decoded copy, never on bytes a client could
// still change.
//
// Thread safety: FsService is immutable and may serve sessions on many
// threads at once; one FsSession is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/services/fs_protocol.hpp"
#include "missive/services/fs_root.hpp"

namespace missive::services {

struct FsServiceLimits {
  std::size_t max_request_bytes = 4096;  // requests hold a path and a few numbers
};

// What fsd keeps per client: its open files.
class FsSession {
 public:
  explicit FsSession(const FsRoot& root) noexcept : handles_(root) {}
  [[nodiscard]] FsHandleTable& handles() noexcept { return handles_; }
  [[nodiscard]] const FsHandleTable& handles() const noexcept { return handles_; }

 private:
  FsHandleTable handles_;
};

class FsService {
 public:
  explicit FsService(const FsRoot& root, const FsServiceLimits& limits = {}) noexcept : root_(&root), limits_(limits) {}

  [[nodiscard]] FsSession new_session() const noexcept { return FsSession(*root_); }

  [[nodiscard]] Result<FsStatReply> stat(const FsStatRequest& request) const;
  [[nodiscard]] Result<FsListReply> list(const FsListRequest& request) const;
  [[nodiscard]] Result<FsOpenReply> open(FsSession& session, const FsOpenRequest& request) const;
  [[nodiscard]] Result<FsReadReply> read(FsSession& session, const FsReadRequest& request) const;
  [[nodiscard]] Result<FsCloseReply> close(FsSession& session, const FsCloseRequest& request) const;

  // Decodes `payload` as the request of `message_type` (an FsMethod), calls
  // the handler and encodes its reply.
  [[nodiscard]] Result<std::vector<std::byte>> handle(FsSession& session, std::uint32_t message_type,
                                                      std::span<const std::byte> payload) const;

 private:
  const FsRoot* root_;
  FsServiceLimits limits_;
};

}  // namespace missive::services
