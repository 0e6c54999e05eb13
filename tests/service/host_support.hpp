// host_support.hpp - starting a Host from manifest text in the service tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "missive/service/host.hpp"

namespace missive::service::testing {

// Parses `text`, starts a host with it and waits (10 s at most) until every
// service in `running` has registered. A failure is reported to gtest and
// gives nullptr.
inline std::unique_ptr<Host> start_host_from_text(const std::string& text,
                                                  std::initializer_list<std::string_view> running = {},
                                                  std::chrono::milliseconds adopt_grace = std::chrono::milliseconds(0)) {
  CallResult<Manifest> manifest = parse_manifest(text);
  EXPECT_TRUE(manifest) << manifest.error().message();
  if (!manifest) return nullptr;
  HostOptions options;
  options.manifest = std::move(*manifest);
  options.adopt_grace = adopt_grace;
  CallResult<std::unique_ptr<Host>> host = Host::start(std::move(options));
  EXPECT_TRUE(host) << host.error().message();
  if (!host) return nullptr;
  for (std::string_view name : running) {
    CallResult<LookupReply> up = (*host)->wait_running(name, Deadline::after(std::chrono::seconds(10)));
    EXPECT_TRUE(up) << name << ": " << up.error().message();
    if (!up) return nullptr;
  }
  return std::move(*host);
}

}  // namespace missive::service::testing
