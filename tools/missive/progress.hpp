// progress.hpp - the one-line progress indicator the CLI shows while it measures.
//
// On a terminal the line is redrawn in place on stderr; elsewhere (CI logs,
// pipes) each step is its own line, so logs stay readable.
#pragma once

#include <string>
#include <string_view>

namespace missive::cli {

class Progress {
 public:
  Progress(std::string topic, int steps);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // Announces the next step ("measuring rendezvous hand-off").
  void step(std::string_view what);
  // Clears the line (on a terminal); called by the destructor too.
  void done();

 private:
  std::string topic_;
  int steps_;
  int current_ = 0;
  bool terminal_;
  bool open_ = false;
};

}  // namespace missive::cli
