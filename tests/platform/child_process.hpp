// child_process.hpp - tests: run a function in a fork()ed child and collect its exit.
//
// The child runs `body` and leaves with _exit(body()), so neither atexit
// handlers nor gtest's teardown run twice. Child code reports through its exit
// code (0 = success); it must not use gtest assertions. Fork only while the
// test process has a single thread.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <utility>

#include "missive/core/deadline.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/process.hpp"

namespace missive::testing {

class Child {
 public:
  template <class Body>
  static Child fork(Body&& body) {
    const pid_t pid = ::fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
      int code = 99;
      try {
        code = body();
      } catch (...) {
        code = 98;
      }
      ::_exit(code);
    }
    auto pidfd = platform::pidfd_open(pid);
    if (!pidfd) std::abort();
    return Child(pid, std::move(*pidfd));
  }

  Child(Child&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)), reaped_(other.reaped_) {}
  Child& operator=(Child&&) = delete;
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      (void)platform::send_signal(pidfd_, SIGKILL);
      (void)platform::wait_child(pidfd_, Deadline::after(std::chrono::seconds(10)));
    }
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const platform::Fd& pidfd() const noexcept { return pidfd_; }

  // Waits for the child and reaps it; a child still running at the deadline
  // is killed and reported as killed by SIGKILL.
  platform::ExitStatus wait(Deadline deadline = Deadline::after(std::chrono::seconds(20))) {
    auto status = platform::wait_child(pidfd_, deadline);
    if (!status) {
      (void)platform::send_signal(pidfd_, SIGKILL);
      status = platform::wait_child(pidfd_, Deadline::never());
    }
    reaped_ = true;
    return status ? *status : platform::ExitStatus{-1, 0};
  }

  // Convenience: true when the child exited normally with code 0.
  bool succeeded(Deadline deadline = Deadline::after(std::chrono::seconds(20))) {
    const platform::ExitStatus status = wait(deadline);
    return status.exited_normally() && status.code == 0;
  }

 private:
  Child(pid_t pid, platform::Fd pidfd) noexcept : pid_(pid), pidfd_(std::move(pidfd)) {}
  pid_t pid_ = -1;
  platform::Fd pidfd_;
  bool reaped_ = false;
};

}  // namespace missive::testing
