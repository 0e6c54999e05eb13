// `missive call SERVICE METHOD [TAG:TYPE=VALUE...]`: one call from a script
// or a person. SERVICE `host` is the host itself (host.lookup, host.status).
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "commands/commands.hpp"
#include "commands/record_text.hpp"
#include "missive/service/client.hpp"
#include "missive/service/service_client.hpp"

namespace missive::cli {
namespace {

struct CallCommandOptions {
  std::string service;
  std::string method;
  std::vector<std::string> fields;
  std::string host;
  int timeout_ms = 2000;
  bool json = false;
};

service::CallResult<service::Bytes> send(const CallCommandOptions& o, std::span<const std::byte> body) {
  const Deadline deadline = Deadline::after(std::chrono::milliseconds(o.timeout_ms));
  if (o.service == "host") {
    const char* env = std::getenv("MISSIVE_HOST");
    const std::string address = !o.host.empty() ? o.host : env != nullptr ? env : service::default_host_address;
    Result<service::Client> host = service::Client::connect(address, deadline);
    if (!host) return service::CallError{Errc::service_unavailable, "no missive host at " + address};
    return host->call(o.method, body, deadline);
  }
  service::ServiceClient client(o.service, {.host_address = o.host});
  return client.call(o.method, body, deadline);
}

int run_call(const CallCommandOptions& o) {
  RecordWriter request;
  for (const std::string& field : o.fields) {
    if (service::CallResult<service::Done> added = add_field_text(request, field); !added) {
      fmt::print(stderr, "missive call: {}\n", added.error().message());
      return 2;
    }
  }
  service::CallResult<service::Bytes> reply = send(o, request.bytes());
  if (!reply) {
    if (o.json) {
      fmt::print("{}\n", nlohmann::json{{"error", std::string(name(reply.error().code))},
                                        {"detail", reply.error().detail}}.dump());
    } else {
      fmt::print(stderr, "missive call: {}\n", reply.error().message());
    }
    return 1;
  }
  Result<RecordView> view = RecordView::parse(*reply);
  if (!view) {
    fmt::print(stderr, "missive call: the reply is not a record ({} bytes)\n", reply->size());
    return 1;
  }
  if (o.json) {
    fmt::print("{}\n", record_to_json(*view).dump());
  } else {
    fmt::print("{}", record_to_text(*view));
  }
  return 0;
}

}  // namespace

void add_call_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CallCommandOptions>();
  auto* cmd = app.add_subcommand("call", "Call a method of a service by name and print the reply");
  cmd->add_option("service", o->service, "Service name (or `host` for the host itself)")->required();
  cmd->add_option("method", o->method, "Method, e.g. kv.get or host.status")->required();
  cmd->add_option("fields", o->fields, "Request fields as TAG:TYPE=VALUE (TYPE: u64 i64 bool str hex)");
  cmd->add_option("--host", o->host, "Host address (default: $MISSIVE_HOST or unix:@missive-host)");
  cmd->add_option("--timeout-ms", o->timeout_ms, "Deadline of the call")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "Print the reply as JSON");
  cmd->callback([o, &exit_code] { exit_code = run_call(*o); });
}

}  // namespace missive::cli
