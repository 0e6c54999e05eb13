// The README's quick-start example, compiled and run by ctest.
#include <cstdio>
#include <string>
#include <thread>

#include "missive/channel/channel.hpp"
#include "missive/channel/pipeline.hpp"

int main() {
  using namespace std::chrono_literals;

  // A bounded channel: backpressure is explicit, nothing is dropped.
  missive::Channel<std::string> jobs(2);
  std::thread worker([&] {
    while (auto job = jobs.recv()) std::printf("worker got %s\n", job->c_str());
    // recv() returned `closed`: everything sent before close() was drained.
  });
  (void)jobs.send("parse");
  (void)jobs.send("index");
  if (auto s = jobs.try_send("store"); !s) std::printf("try_send: %s\n", s.error().message().c_str());
  if (auto s = jobs.send_until("compact", missive::Deadline::after(100ms)); !s)
    std::printf("send_until: %s\n", s.error().message().c_str());
  jobs.close();
  worker.join();

  // A pipeline of three stages, one thread each, linked by channels of capacity 1.
  auto pipeline = missive::Pipeline<int>::with_capacity(1)
                      .stage([](int x) { return x * x; })
                      .stage([](int x) { return x + 1; })
                      .stage([](int x) { return std::to_string(x); })
                      .start();
  for (int i = 1; i <= 3; ++i) (void)pipeline.input().send(int{i});
  pipeline.input().close();
  while (auto out = pipeline.output().recv()) std::printf("pipeline: %s\n", out->c_str());
  return 0;
}
