// missive-fsd: serves one directory read-only. `missive-fsd --root DIR`
//
// Methods (fs_protocol.hpp, v1 and v2): fs.stat, fs.list, fs.open, fs.read,
// fs.close. Every path is checked on the server's own decoded copy and opened
// only beneath the root (openat2 RESOLVE_BENEATH, fs_root.hpp). Open files
// belong to the connection that opened them and close when it goes away.
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "missive/service/service_runtime.hpp"
#include "missive/services/fs_root.hpp"
#include "missive/services/fs_service.hpp"

namespace {

using namespace missive;

int usage() {
  std::cerr << "usage: missive-fsd --root DIR   (run by `missive host`; see docs/services.md)\n";
  return 2;
}

// One FsSession per connection; a session is used by one request at a time.
class Sessions {
 public:
  explicit Sessions(const services::FsService& fs) : fs_(fs) {}

  template <class Fn>
  auto with(std::uint64_t connection, Fn&& fn) {
    std::shared_ptr<Entry> entry;
    {
      std::lock_guard lock(mutex_);
      auto& slot = sessions_[connection];
      if (!slot) slot = std::make_shared<Entry>(fs_.new_session());
      entry = slot;
    }
    std::lock_guard lock(entry->mutex);
    return fn(entry->session);
  }

  void drop(std::uint64_t connection) {
    std::lock_guard lock(mutex_);
    sessions_.erase(connection);
  }

 private:
  struct Entry {
    explicit Entry(services::FsSession s) : session(std::move(s)) {}
    std::mutex mutex;
    services::FsSession session;
  };
  const services::FsService& fs_;
  std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<Entry>> sessions_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string root_dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
      root_dir = argv[++i];
    } else {
      return usage();
    }
  }
  if (root_dir.empty()) return usage();
  Result<services::FsRoot> root = services::FsRoot::open(root_dir);
  if (!root) {
    std::cerr << "missive-fsd: cannot serve " << root_dir << ": " << root.error().message() << "\n";
    return 1;
  }
  const services::FsService fs(*root);
  Sessions sessions(fs);
  auto runtime = service::ServiceRuntime::create(service::ServiceRuntimeOptions{});
  if (!runtime) {
    std::cerr << "missive-fsd: " << runtime.error().message() << "\n";
    return 1;
  }
  service::Server& server = (*runtime)->server();
  using service::CallContext;
  server.handle_message<services::FsStatRequest, services::FsStatReply>(
      "fs.stat", [&](const CallContext&, const services::FsStatRequest& r) { return fs.stat(r); });
  server.handle_message<services::FsListRequest, services::FsListReply>(
      "fs.list", [&](const CallContext&, const services::FsListRequest& r) { return fs.list(r); });
  server.handle_message<services::FsOpenRequest, services::FsOpenReply>(
      "fs.open", [&](const CallContext& ctx, const services::FsOpenRequest& r) {
        return sessions.with(ctx.connection_id, [&](services::FsSession& s) { return fs.open(s, r); });
      });
  server.handle_message<services::FsReadRequest, services::FsReadReply>(
      "fs.read", [&](const CallContext& ctx, const services::FsReadRequest& r) {
        return sessions.with(ctx.connection_id, [&](services::FsSession& s) { return fs.read(s, r); });
      });
  server.handle_message<services::FsCloseRequest, services::FsCloseReply>(
      "fs.close", [&](const CallContext& ctx, const services::FsCloseRequest& r) {
        return sessions.with(ctx.connection_id, [&](services::FsSession& s) { return fs.close(s, r); });
      });
  server.on_disconnect([&](std::uint64_t connection) { sessions.drop(connection); });
  return (*runtime)->run();
}
