// Randomized robustness: mutate valid encodings many times. What must never
// happen: a crash or an out-of-bounds read (run under ASan), an accepted frame
// whose payload lies outside the input, or an accepted record whose accessors
// disagree, point outside it, or do not re-encode to the very same bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "missive/wire/frame.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"
#include "wire_test_support.hpp"

namespace missive {
namespace {

using Rng = std::mt19937_64;

std::uint32_t random_tag_value(Rng& rng) {
  return (rng() % 8 == 0) ? static_cast<std::uint32_t>(rng() % Tag::max_value) + 1
                          : static_cast<std::uint32_t>(rng() % 12) + 1;
}

void add_random_fields(Rng& rng, RecordWriter& w, int depth) {
  const std::size_t count = rng() % 8;
  for (std::size_t i = 0; i < count; ++i) {
    const Tag tag = *Tag::checked(random_tag_value(rng));
    switch (rng() % 5) {
      case 0:
        w.add_u64(tag, rng() >> (rng() % 64));
        break;
      case 1:
        w.add_i64(tag, static_cast<std::int64_t>(rng()) >> (rng() % 64));
        break;
      case 2:
        w.add_string(tag, std::string(rng() % 200, static_cast<char>('a' + rng() % 26)));
        break;
      case 3:
        w.add_bytes(tag, std::vector<std::byte>(rng() % 4, std::byte{0x80}));
        break;
      default:
        if (depth < 5) w.add_record(tag, [&](RecordWriter& n) { add_random_fields(rng, n, depth + 1); });
        break;
    }
  }
}

std::vector<std::byte> random_record(Rng& rng) {
  RecordWriter w;
  add_random_fields(rng, w, 1);
  return std::move(w).take();
}

void mutate(Rng& rng, std::vector<std::byte>& bytes) {
  const std::size_t edits = 1 + rng() % 4;
  for (std::size_t e = 0; e < edits; ++e) {
    const std::size_t at = bytes.empty() ? 0 : rng() % bytes.size();
    switch (rng() % 5) {
      case 0:
        if (!bytes.empty()) bytes[at] ^= static_cast<std::byte>(1u << (rng() % 8));
        break;
      case 1:
        if (!bytes.empty()) bytes[at] = static_cast<std::byte>(rng());
        break;
      case 2:
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::byte>(rng()));
        break;
      case 3:
        if (!bytes.empty()) bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      default:
        bytes.resize(at);
        break;
    }
  }
}

TEST(Robustness, RandomValidRecordsRoundTripExactly) {
  Rng rng(1);
  for (int round = 0; round < 2000; ++round) {
    const std::vector<std::byte> bytes = random_record(rng);
    const Result<RecordView> view = RecordView::parse(bytes);
    ASSERT_TRUE(view) << view.error().message();
    ASSERT_EQ(testing::check_view(*view), nullptr);
    ASSERT_EQ(testing::reencode(*view), bytes);
  }
}

TEST(Robustness, MutatedRecordsAreRejectedOrFullyConsistent) {
  Rng rng(2);
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  const RecordLimits tight{.max_bytes = 4096, .max_fields = 64, .max_depth = 4};
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::byte> bytes = random_record(rng);
    mutate(rng, bytes);
    const Result<RecordView> view = RecordView::parse(bytes);
    if (!view) {
      ++rejected;
      EXPECT_FALSE(RecordView::parse(bytes, tight)) << "tighter limits cannot accept more";
      continue;
    }
    ++accepted;
    ASSERT_EQ(testing::check_view(*view), nullptr) << "round " << round;
    ASSERT_EQ(testing::reencode(*view), bytes) << "round " << round;
  }
  // Both outcomes must actually occur, or the test checks nothing.
  EXPECT_GT(accepted, 1000u);
  EXPECT_GT(rejected, 1000u);
}

TEST(Robustness, MutatedFramesAreRejectedOrInBounds) {
  Rng rng(3);
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::byte> frame;
    const std::vector<std::byte> payload = random_record(rng);
    ASSERT_TRUE(
        append_frame(FrameHeaderFields{static_cast<std::uint16_t>(rng()), static_cast<std::uint32_t>(rng()), rng()},
                     payload, frame));
    const bool keep_valid = rng() % 4 == 0;
    if (!keep_valid) mutate(rng, frame);
    const Result<FrameView> view = decode_frame_prefix(frame);
    if (keep_valid) {
      ASSERT_TRUE(view) << view.error().message();
    }
    if (!view) continue;
    ++accepted;
    ASSERT_LE(view->frame_size(), frame.size());
    ASSERT_TRUE(testing::contains(frame, view->payload));
    ASSERT_EQ(view->payload.size(), view->header.payload_length);
  }
  EXPECT_GT(accepted, 4000u);
}

}  // namespace
}  // namespace missive
