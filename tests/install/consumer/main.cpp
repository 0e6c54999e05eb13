// A program outside the source tree that finds an installed missive and uses
// layers from the bottom (channel) to the top (service, over transport and the
// cost profile), so a wrong static link order fails to link.
#include <chrono>
#include <cstdio>

#include "missive/channel/channel.hpp"
#include "missive/core/error.hpp"
#include "missive/service/manifest.hpp"
#include "missive/transport/connection.hpp"

int main() {
  missive::Channel<int> channel(1);
  if (!channel.try_send(42)) return 1;
  auto value = channel.recv();
  if (!value || *value != 42) return 1;
  // Nobody listens there: a clean `refused` proves transport (and costmodel) linked.
  auto conn = missive::transport::connect("unix:@missive-install-consumer-nobody",
                                          missive::Deadline::after(std::chrono::milliseconds(100)));
  if (conn || conn.error() != missive::Errc::refused) return 1;
  auto manifest = missive::service::parse_manifest("[[service]]\nname = \"a\"\ncommand = \"/bin/true\"\n");
  if (!manifest) return 1;
  std::printf("consumer ok: %s\n", std::string(missive::name(missive::Errc::ok)).c_str());
  return 0;
}
