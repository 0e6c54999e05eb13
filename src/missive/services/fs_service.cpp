#include "missive/services/fs_service.hpp"

#include "missive/services/detail/dispatch.hpp"
#include "missive/wire/crc32c.hpp"

namespace missive::services {
namespace {

Status check_fs_version(std::uint64_t version) noexcept {
  return check_version(version, fs_protocol_min_version, fs_protocol_version);
}

}  // namespace

Result<FsStatReply> FsService::stat(const FsStatRequest& request) const {
  if (Status v = check_fs_version(request.version); !v) return v.error();
  auto info = root_->stat(request.path);
  if (!info) return info.error();
  return FsStatReply{*info};
}

Result<FsListReply> FsService::list(const FsListRequest& request) const {
  if (Status v = check_fs_version(request.version); !v) return v.error();
  auto listing = root_->list(request.path);
  if (!listing) return listing.error();
  return FsListReply{std::move(*listing)};
}

Result<FsOpenReply> FsService::open(FsSession& session, const FsOpenRequest& request) const {
  if (Status v = check_fs_version(request.version); !v) return v.error();
  auto handle = session.handles().open(request.path);
  if (!handle) return handle.error();
  auto info = session.handles().stat(*handle);
  if (!info) return info.error();
  return FsOpenReply{*handle, info->size};
}

Result<FsReadReply> FsService::read(FsSession& session, const FsReadRequest& request) const {
  if (Status v = check_fs_version(request.version); !v) return v.error();
  // A v1 request has no length: it always got as much as the cap allows.
  const std::uint64_t length = request.version >= 2 ? request.length : 0;
  FsReadReply reply;
  if (request.handle != 0) {
    auto data = session.handles().read(request.handle, request.offset, length);
    if (!data) return data.error();
    auto info = session.handles().stat(request.handle);
    if (!info) return info.error();
    reply.data = std::move(*data);
    reply.file_size = info->size;
  } else {
    auto file = root_->open_file(request.path);
    if (!file) return file.error();
    auto data = root_->read_open(*file, request.offset, length);
    if (!data) return data.error();
    auto info = root_->stat_open(*file);
    if (!info) return info.error();
    reply.data = std::move(*data);
    reply.file_size = info->size;
  }
  if (request.version >= 2 && request.want_checksum) reply.crc32c = crc32c(reply.data);
  return reply;
}

Result<FsCloseReply> FsService::close(FsSession& session, const FsCloseRequest& request) const {
  if (Status v = check_fs_version(request.version); !v) return v.error();
  if (Status closed = session.handles().close(request.handle); !closed) return closed.error();
  return FsCloseReply{};
}

Result<std::vector<std::byte>> FsService::handle(FsSession& session, std::uint32_t message_type,
                                                 std::span<const std::byte> payload) const {
  RecordLimits limits;
  limits.max_bytes = limits_.max_request_bytes;
  limits.max_fields = 64;
  limits.max_depth = 2;
  switch (static_cast<FsMethod>(message_type)) {
    case FsMethod::stat:
      return detail::call_with_bytes<FsStatRequest>(payload, limits, [&](const FsStatRequest& r) { return stat(r); });
    case FsMethod::list:
      return detail::call_with_bytes<FsListRequest>(payload, limits, [&](const FsListRequest& r) { return list(r); });
    case FsMethod::open:
      return detail::call_with_bytes<FsOpenRequest>(payload, limits,
                                                    [&](const FsOpenRequest& r) { return open(session, r); });
    case FsMethod::read:
      return detail::call_with_bytes<FsReadRequest>(payload, limits,
                                                    [&](const FsReadRequest& r) { return read(session, r); });
    case FsMethod::close:
      return detail::call_with_bytes<FsCloseRequest>(payload, limits,
                                                     [&](const FsCloseRequest& r) { return close(session, r); });
  }
  return Error{Errc::invalid_argument, "unknown fsd message type"};
}

}  // namespace missive::services
