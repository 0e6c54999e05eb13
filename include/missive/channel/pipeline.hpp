// missive/channel/pipeline.hpp - k stages, one thread each, linked by Channels.
//
//   auto p = Pipeline<int>::with_capacity(1)
//                .stage([](int x) { return x * 2; })
//                .stage([](int x) { return std::to_string(x); })
//                .start();                     // Pipeline<int, std::string>
//   p.input().send(21);  p.input().close();
//   while (auto s = p.output().recv()) use(*s);  // "42", then closed
//   p.join();
//
// Contract
//   * Builder: one thread; stage() and start() consume the builder (call them
//     on the temporary, as above). A stage function receives the previous
//     stage's output by rvalue and returns the next value (not void).
//   * Running pipeline: input() and output() are ordinary Channels (any
//     thread). stage_count(), join() and the destructor: the owning thread.
//   * Each stage thread loops recv -> fn -> send. When its input is closed
//     and drained it closes its output, so closing input() closes every
//     downstream channel in order once the values ahead have gone through.
//     Order is preserved (one thread per stage, FIFO channels).
//   * If a stage's output is closed early (a consumer closing output() to
//     stop), the stage closes its input too, so the stop travels upstream.
//     The value that stage held is then destroyed: stopping discards work.
//   * If a stage function throws, every channel is closed (the pipeline stops)
//     and join() rethrows the first exception after joining all threads.
//   * join() waits for the stages to finish; it does not close anything, so
//     close input() first (and keep draining output() if it is bounded).
//   * The destructor closes every channel, then joins: it never hangs, and
//     values still in flight are destroyed.
//   * Capacity 0 links stages by rendezvous; each channel has the capacity
//     given to with_capacity().
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "missive/channel/channel.hpp"

namespace missive {

template <class In, class Out>
class PipelineBuilder;

namespace detail {

// Everything a pipeline owns, type-erased so stages of different types fit in
// one place. Shared by the builder (while building) and the running pipeline.
struct PipelineParts {
  std::size_t capacity = 0;
  std::vector<std::shared_ptr<void>> channels;  // input first, output last
  std::vector<std::function<void()>> closers;   // close() of each channel, same order
  std::vector<std::function<void()>> stages;    // one body per stage thread

  void close_all() const {
    for (const auto& close : closers) close();
  }
};

// First exception thrown by any stage.
class StageErrors {
 public:
  void record(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (!first_) first_ = std::move(e);
  }
  std::exception_ptr take() {
    std::lock_guard lock(mu_);
    return std::exchange(first_, nullptr);
  }

 private:
  std::mutex mu_;
  std::exception_ptr first_;  // guarded by mu_
};

}  // namespace detail

// A running pipeline: input Channel<In>, output Channel<Out>. Movable, not copyable.
template <class In, class Out = In>
class Pipeline {
 public:
  // Starts building a pipeline whose channels all have `capacity`.
  [[nodiscard]] static PipelineBuilder<In, In> with_capacity(std::size_t capacity);

  Pipeline(Pipeline&&) noexcept = default;
  Pipeline& operator=(Pipeline&& other) noexcept {
    if (this != &other) {
      shutdown();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  // Closes every channel and joins every stage thread.
  ~Pipeline() { shutdown(); }

  // Any thread. Send into it; close() it to finish.
  [[nodiscard]] Channel<In>& input() noexcept { return *state_->input; }
  // Any thread. recv() until closed.
  [[nodiscard]] Channel<Out>& output() noexcept { return *state_->output; }
  // Owner thread.
  [[nodiscard]] std::size_t stage_count() const noexcept { return state_->threads.size(); }

  // Owner thread. Waits for every stage to finish (close input() first).
  // Rethrows the first exception a stage function threw.
  void join() {
    if (!state_) return;
    for (auto& t : state_->threads) {
      if (t.joinable()) t.join();
    }
    if (auto e = state_->errors->take()) std::rethrow_exception(e);
  }

 private:
  template <class, class>
  friend class PipelineBuilder;

  struct State {
    detail::PipelineParts parts;
    Channel<In>* input = nullptr;
    Channel<Out>* output = nullptr;
    std::shared_ptr<detail::StageErrors> errors = std::make_shared<detail::StageErrors>();
    std::vector<std::thread> threads;
  };

  explicit Pipeline(std::unique_ptr<State> state) : state_(std::move(state)) {}

  void shutdown() noexcept {
    if (!state_) return;
    state_->parts.close_all();
    for (auto& t : state_->threads) {
      if (t.joinable()) t.join();
    }
    state_.reset();
  }

  std::unique_ptr<State> state_;
};

// Builds a pipeline from In to Out one stage at a time. Owned by one thread.
template <class In, class Out>
class PipelineBuilder {
 public:
  // Appends a stage running fn(Out&&) -> R on its own thread; the result is a
  // builder from In to R.
  template <class Fn>
  [[nodiscard]] auto stage(Fn&& fn) && {
    using F = std::decay_t<Fn>;
    static_assert(std::is_invocable_v<F&, Out&&>, "a stage function takes the previous stage's output");
    using R = std::decay_t<std::invoke_result_t<F&, Out&&>>;
    static_assert(!std::is_void_v<R>, "a stage function must return the value for the next stage");

    auto next = std::make_shared<Channel<R>>(parts_.capacity);
    Channel<Out>* from = tail_;
    Channel<R>* to = next.get();
    parts_.channels.push_back(next);
    parts_.closers.emplace_back([to] { to->close(); });
    auto body = std::make_shared<F>(std::forward<Fn>(fn));  // shared: std::function must be copyable
    parts_.stages.emplace_back([from, to, body] {
      for (;;) {
        Result<Out> in = from->recv();
        if (!in) break;  // closed and drained
        if (!to->send(std::invoke(*body, std::move(*in)))) {
          from->close();  // downstream stopped: tell upstream
          break;
        }
      }
      to->close();
    });
    return PipelineBuilder<In, R>(std::move(parts_), input_, to);
  }

  // Launches one thread per stage. If a thread cannot be started, the ones
  // already started are stopped and joined and std::system_error propagates.
  [[nodiscard]] Pipeline<In, Out> start() && {
    auto state = std::make_unique<typename Pipeline<In, Out>::State>();
    state->input = input_;
    state->output = tail_;
    state->parts = std::move(parts_);
    Pipeline<In, Out> running(std::move(state));
    auto& s = *running.state_;
    s.threads.reserve(s.parts.stages.size());
    for (auto& body : s.parts.stages) {
      s.threads.emplace_back([body, errors = s.errors, parts = &s.parts] {
        try {
          body();
        } catch (...) {
          errors->record(std::current_exception());
          parts->close_all();  // stop every stage
        }
      });
    }
    return running;
  }

 private:
  template <class, class>
  friend class PipelineBuilder;
  template <class, class>
  friend class Pipeline;

  PipelineBuilder(detail::PipelineParts parts, Channel<In>* input, Channel<Out>* tail)
      : parts_(std::move(parts)), input_(input), tail_(tail) {}

  detail::PipelineParts parts_;
  Channel<In>* input_;
  Channel<Out>* tail_;
};

template <class In, class Out>
PipelineBuilder<In, In> Pipeline<In, Out>::with_capacity(std::size_t capacity) {
  detail::PipelineParts parts;
  parts.capacity = capacity;
  auto input = std::make_shared<Channel<In>>(capacity);
  Channel<In>* raw = input.get();
  parts.channels.push_back(input);
  parts.closers.emplace_back([raw] { raw->close(); });
  return PipelineBuilder<In, In>(std::move(parts), raw, raw);
}

}  // namespace missive
