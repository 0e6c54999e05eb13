#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

namespace missive::cli {

Progress::Progress(std::string topic, int steps)
    : topic_(std::move(topic)), steps_(steps), terminal_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { done(); }

void Progress::step(std::string_view what) {
  ++current_;
  std::fflush(stdout);  // keep what the chapter printed before the progress line
  if (terminal_) {
    fmt::print(stderr, "\r\033[K  [{} {}/{}] {} ...", topic_, current_, steps_, what);
    open_ = true;
  } else {
    fmt::print(stderr, "  [{} {}/{}] {} ...\n", topic_, current_, steps_, what);
  }
  std::fflush(stderr);
}

void Progress::done() {
  if (terminal_ && open_) fmt::print(stderr, "\r\033[K");
  open_ = false;
  std::fflush(stderr);
}

}  // namespace missive::cli
