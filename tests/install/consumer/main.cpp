// A program outside the source tree that finds an installed missive.
#include <cstdio>

#include "missive/channel/channel.hpp"
#include "missive/core/error.hpp"

int main() {
  missive::Channel<int> channel(1);
  if (!channel.try_send(42)) return 1;
  auto value = channel.recv();
  if (!value || *value != 42) return 1;
  std::printf("consumer ok: %s\n", std::string(missive::name(missive::Errc::ok)).c_str());
  return 0;
}
