// missive-kvd: the key-value service. `missive-kvd --dir DIR`
//
// Methods (kv_protocol.hpp): kv.get, kv.put, kv.delete, kv.scan. A put or
// delete is acknowledged only after KvStore made it durable (fdatasync), so
// an acknowledged write survives kill -9 of the service.
#include <cstring>
#include <iostream>
#include <string>

#include "missive/service/service_runtime.hpp"
#include "missive/services/kv_service.hpp"
#include "missive/services/kv_store.hpp"

namespace {

using namespace missive;

int usage() {
  std::cerr << "usage: missive-kvd --dir DIR   (run by `missive host`; see docs/services.md)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      return usage();
    }
  }
  if (dir.empty()) return usage();
  Result<std::unique_ptr<services::KvStore>> store = services::KvStore::open(dir);
  if (!store) {
    std::cerr << "missive-kvd: cannot open " << dir << ": " << store.error().message() << "\n";
    return 1;
  }
  const services::KvService kv(**store);
  auto runtime = service::ServiceRuntime::create(service::ServiceRuntimeOptions{});
  if (!runtime) {
    std::cerr << "missive-kvd: " << runtime.error().message() << "\n";
    return 1;
  }
  service::Server& server = (*runtime)->server();
  server.handle_message<services::KvGetRequest, services::KvGetReply>(
      "kv.get", [&](const service::CallContext&, const services::KvGetRequest& r) { return kv.get(r); });
  server.handle_message<services::KvPutRequest, services::KvPutReply>(
      "kv.put", [&](const service::CallContext&, const services::KvPutRequest& r) { return kv.put(r); });
  server.handle_message<services::KvDeleteRequest, services::KvDeleteReply>(
      "kv.delete", [&](const service::CallContext&, const services::KvDeleteRequest& r) { return kv.erase(r); });
  server.handle_message<services::KvScanRequest, services::KvScanReply>(
      "kv.scan", [&](const service::CallContext&, const services::KvScanRequest& r) { return kv.scan(r); });
  return (*runtime)->run();
}
