// missive/shm/detail/peer_watch.hpp - PeerWatch: has the process at the other end died?
//
// Thread safety: owned by one ring endpoint and used by its owner thread only.
#pragma once

#include <utility>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/process.hpp"

namespace missive::shm::detail {

class PeerWatch {
 public:
  // Watches the process behind `pidfd` from now on (an invalid Fd stops watching).
  void watch(platform::Fd pidfd) noexcept {
    pidfd_ = std::move(pidfd);
    dead_ = false;
  }
  [[nodiscard]] bool watching() const noexcept { return pidfd_.valid(); }
  // Without a system call: peer_died once a check() saw the peer gone.
  [[nodiscard]] Status known() const noexcept {
    return dead_ ? Status(Error{Errc::peer_died, "the peer process exited"}) : ok();
  }
  // One poll(2) of the pidfd (none when not watching): ok while the peer lives.
  [[nodiscard]] Status check() noexcept {
    if (dead_ || !pidfd_) return known();
    const auto exited = platform::process_exited(pidfd_);
    if (!exited) return exited.error();
    dead_ = *exited;
    return known();
  }

 private:
  platform::Fd pidfd_;
  bool dead_ = false;
};

}  // namespace missive::shm::detail
