#include "missive/platform/event_fd.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

TEST(EventFd, CountsSignalsAndResetsOnConsume) {
  auto event = EventFd::create();
  ASSERT_TRUE(event) << event.error().message();
  EXPECT_EQ(event->try_consume().code(), Errc::would_block);
  ASSERT_TRUE(event->signal());
  ASSERT_TRUE(event->signal(4));
  auto value = event->try_consume();
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 5u);
  EXPECT_EQ(event->try_consume().code(), Errc::would_block);
  EXPECT_EQ(event->signal(0).code(), Errc::invalid_argument);
}

TEST(EventFd, PollableAndWaitable) {
  auto event = EventFd::create();
  ASSERT_TRUE(event);
  pollfd entry{event->fd().get(), POLLIN, 0};
  EXPECT_EQ(::poll(&entry, 1, 0), 0);
  EXPECT_EQ(event->consume(Deadline::after(20ms)).code(), Errc::timed_out);
  std::thread signaller([&] {
    std::this_thread::sleep_for(20ms);
    (void)event->signal(2);
  });
  auto value = event->consume(Deadline::after(5s));
  signaller.join();
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 2u);
  ASSERT_TRUE(event->signal());
  EXPECT_EQ(::poll(&entry, 1, 0), 1);
}

TEST(EventFd, InitialValue) {
  auto event = EventFd::create(3);
  ASSERT_TRUE(event);
  EXPECT_EQ(*event->try_consume(), 3u);
}

}  // namespace
}  // namespace missive::platform
