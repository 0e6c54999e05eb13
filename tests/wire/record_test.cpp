// Records: exact encodings, round trips, getters' defaults and strictness,
// repeated fields, and every rejection of RecordView::parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"
#include "wire_test_support.hpp"

namespace missive {
namespace {

using testing::bytes_of;
using testing::reencode;

RecordView parsed(std::span<const std::byte> bytes, const RecordLimits& limits = {}) {
  Result<RecordView> view = RecordView::parse(bytes, limits);
  EXPECT_TRUE(view) << view.error().message();
  return view.value_or(RecordView());
}

TEST(RecordWriter, WritesTheDocumentedBytes) {
  RecordWriter w;
  w.add_u64(1, 300).add_string(2, "hi").add_i64(3, -2);
  EXPECT_EQ(std::vector<std::byte>(w.bytes().begin(), w.bytes().end()),
            bytes_of({0x08, 0xAC, 0x02, 0x12, 0x02, 'h', 'i', 0x19, 0x03}));
}

TEST(RecordWriter, NestedRecordsGetShortestLengths) {
  RecordWriter small;
  small.add_record(4, [](RecordWriter& n) { n.add_u64(1, 1); });
  EXPECT_EQ(std::vector<std::byte>(small.bytes().begin(), small.bytes().end()), bytes_of({0x23, 0x02, 0x08, 0x01}));

  // 200 inner bytes: the one-byte length placeholder widens to two bytes.
  const std::string filler(197, 'z');
  RecordWriter big;
  big.add_record(4, [&](RecordWriter& n) { n.add_string(1, filler); });
  ASSERT_EQ(big.size(), 1u + 2u + 200u);
  EXPECT_EQ(big.bytes()[1], std::byte{0xC8});
  EXPECT_EQ(big.bytes()[2], std::byte{0x01});
  const RecordView view = parsed(big.bytes());
  EXPECT_EQ(view.get_record(4).get_string(1), filler);
}

TEST(RecordWriter, NestedBuilderAndPreEncodedRecordGiveTheSameBytes) {
  RecordWriter inner;
  inner.add_u64(1, 7).add_string(2, "seven");
  RecordWriter a;
  a.add_record(9, inner);
  RecordWriter b;
  b.add_record(9, [](RecordWriter& n) { n.add_u64(1, 7).add_string(2, "seven"); });
  EXPECT_TRUE(std::ranges::equal(a.bytes(), b.bytes()));
}

TEST(RecordView, RoundTripsEveryKind) {
  RecordWriter w;
  w.add_u64(1, std::numeric_limits<std::uint64_t>::max())
      .add_i64(2, std::numeric_limits<std::int64_t>::min())
      .add_bytes(3, bytes_of({0, 1, 2}))
      .add_string(4, "text")
      .add_bool(5, true)
      .add_record(
          6,
          [](RecordWriter& n) { n.add_i64(1, -1).add_record(2, [](RecordWriter& nn) { nn.add_string(1, "deep"); }); })
      .add_u64(Tag::max_value, 42);
  const RecordView v = parsed(w.bytes());
  EXPECT_EQ(v.get_u64(1), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(v.get_i64(2), std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(std::ranges::equal(v.get_bytes(3), bytes_of({0, 1, 2})));
  EXPECT_EQ(v.get_string(4), "text");
  EXPECT_TRUE(v.get_bool(5));
  EXPECT_EQ(v.get_record(6).get_i64(1), -1);
  EXPECT_EQ(v.get_record(6).get_record(2).get_string(1), "deep");
  EXPECT_EQ(v.get_u64(Tag::max_value), 42u);
  EXPECT_TRUE(std::ranges::equal(reencode(v), w.bytes()));
  EXPECT_EQ(testing::check_view(v), nullptr);
}

TEST(RecordView, MissingTagsGiveDefaults) {
  const RecordView empty;
  EXPECT_FALSE(empty.has(1));
  EXPECT_EQ(empty.get_u64(1), 0u);
  EXPECT_EQ(empty.get_u64(1, 9), 9u);
  EXPECT_EQ(empty.get_i64(1, -9), -9);
  EXPECT_FALSE(empty.get_bool(1));
  EXPECT_TRUE(empty.get_bool(1, true));
  EXPECT_TRUE(empty.get_bytes(1).empty());
  EXPECT_EQ(empty.get_string(1, "dflt"), "dflt");
  EXPECT_TRUE(empty.get_record(1).empty());
  EXPECT_EQ(*empty.get_u64_strict(1, 5), 5u);
  EXPECT_TRUE(empty.get_record_strict(1)->empty());
}

TEST(RecordView, LenientGettersGiveDefaultsAndStrictOnesReportWrongType) {
  RecordWriter w;
  w.add_string(1, "not a number").add_u64(2, 5).add_i64(3, -5).add_record(4, [](RecordWriter&) {});
  const RecordView v = parsed(w.bytes());
  EXPECT_EQ(v.get_u64(1, 77), 77u);
  EXPECT_EQ(v.get_u64_strict(1).code(), Errc::wrong_type);
  EXPECT_EQ(v.get_i64(2, 3), 3) << "an unsigned field is not read as signed";
  EXPECT_EQ(v.get_i64_strict(2).code(), Errc::wrong_type);
  EXPECT_EQ(v.get_u64(3), 0u);
  EXPECT_EQ(v.get_u64_strict(3).code(), Errc::wrong_type);
  EXPECT_EQ(v.get_string(2, "d"), "d");
  EXPECT_EQ(v.get_string_strict(2).code(), Errc::wrong_type);
  EXPECT_TRUE(v.get_bytes(4).empty()) << "a record is not bytes";
  EXPECT_EQ(v.get_bytes_strict(4).code(), Errc::wrong_type);
  EXPECT_TRUE(v.get_record(1).empty());
  EXPECT_EQ(v.get_record_strict(1).code(), Errc::wrong_type);
  EXPECT_TRUE(v.get_record_strict(4));
  EXPECT_EQ(*v.get_u64_strict(2), 5u);
  EXPECT_EQ(*v.get_i64_strict(3), -5);
}

TEST(RecordView, RepeatedFieldsComeBackInOrderAndGettersUseTheFirst) {
  RecordWriter w;
  w.add_u64(1, 10).add_string(2, "a").add_u64(1, 20).add_string(2, "b").add_u64(1, 30).add_string(9, "x");
  w.add_record(3, [](RecordWriter& n) { n.add_u64(1, 1); }).add_record(3, [](RecordWriter& n) { n.add_u64(1, 2); });
  const RecordView v = parsed(w.bytes());
  std::vector<std::uint64_t> numbers;
  v.for_each_u64(1, [&](std::uint64_t n) { numbers.push_back(n); });
  EXPECT_EQ(numbers, (std::vector<std::uint64_t>{10, 20, 30}));
  std::vector<std::string> strings;
  v.for_each_string(2, [&](std::string_view s) { strings.emplace_back(s); });
  EXPECT_EQ(strings, (std::vector<std::string>{"a", "b"}));
  std::vector<std::uint64_t> nested;
  v.for_each_record(3, [&](const RecordView& r) { nested.push_back(r.get_u64(1)); });
  EXPECT_EQ(nested, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(v.count(1), 3u);
  EXPECT_EQ(v.get_u64(1), 10u);
  EXPECT_EQ(v.get_string(2), "a");

  std::vector<std::uint32_t> order;
  for (const Field& f : v.fields()) order.push_back(f.tag().value());
  EXPECT_EQ(order, (std::vector<std::uint32_t>{1, 2, 1, 2, 1, 9, 3, 3}));
}

TEST(RecordView, UnknownTagsAreSkipped) {
  RecordWriter w;
  w.add_record(100, [](RecordWriter& n) { n.add_string(1, "unknown"); }).add_u64(1, 5).add_bytes(101, bytes_of({1}));
  const RecordView v = parsed(w.bytes());
  EXPECT_EQ(v.get_u64(1), 5u);
}

TEST(Tag, RuntimeTagsAreChecked) {
  EXPECT_EQ(Tag::checked(0).code(), Errc::invalid_argument);
  EXPECT_EQ(Tag::checked(Tag::max_value + 1).code(), Errc::invalid_argument);
  ASSERT_TRUE(Tag::checked(Tag::max_value));
  EXPECT_EQ(Tag::checked(17)->value(), 17u);
}

// --- rejections -------------------------------------------------------------

TEST(RecordParse, RejectsStructuralErrors) {
  struct Case {
    const char* what;
    std::vector<std::byte> bytes;
    Errc expected;
  };
  const std::vector<Case> cases{
      {"key varint cut off", bytes_of({0x88}), Errc::truncated},
      {"value varint cut off", bytes_of({0x08, 0x80}), Errc::truncated},
      {"value missing", bytes_of({0x08}), Errc::truncated},
      {"bytes length past end", bytes_of({0x12, 0x05, 'a', 'b'}), Errc::truncated},
      {"huge bytes length", bytes_of({0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), Errc::truncated},
      {"nested length past end", bytes_of({0x1B, 0x03, 0x08}), Errc::truncated},
      {"nested field past nested end", bytes_of({0x1B, 0x01, 0x08, 0x01}), Errc::truncated},
      {"tag 0", bytes_of({0x00, 0x01}), Errc::malformed_record},
      {"tag above 2^29-1", bytes_of({0x80, 0x80, 0x80, 0x80, 0x20, 0x00}), Errc::malformed_record},
      {"wire type 4", bytes_of({0x0C, 0x00}), Errc::malformed_record},
      {"wire type 7", bytes_of({0x0F, 0x00}), Errc::malformed_record},
      {"overlong value varint", bytes_of({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}),
       Errc::malformed_record},
      {"value varint above 2^64", bytes_of({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}),
       Errc::malformed_record},
      {"non-shortest key", bytes_of({0x88, 0x00, 0x01}), Errc::malformed_record},
      {"non-shortest length", bytes_of({0x12, 0x81, 0x00, 'a'}), Errc::malformed_record},
      {"bad field inside nested record", bytes_of({0x08, 0x01, 0x1B, 0x02, 0x0E, 0x00}), Errc::malformed_record},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RecordView::parse(c.bytes).code(), c.expected) << c.what;
  }
}

TEST(RecordParse, EmptyInputIsTheEmptyRecord) {
  const Result<RecordView> v = RecordView::parse({});
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->empty());
}

TEST(RecordParse, EnforcesMaxBytes) {
  RecordWriter w;
  w.add_string(1, "0123456789");  // 12 bytes
  EXPECT_TRUE(RecordView::parse(w.bytes(), RecordLimits{.max_bytes = 12}));
  EXPECT_EQ(RecordView::parse(w.bytes(), RecordLimits{.max_bytes = 11}).code(), Errc::too_large);
}

TEST(RecordParse, EnforcesMaxFieldsAcrossAllLevels) {
  RecordWriter w;
  w.add_u64(1, 1).add_record(2, [](RecordWriter& n) { n.add_u64(1, 1).add_u64(2, 2); }).add_u64(3, 3);
  // 5 fields: three at the top, two inside.
  EXPECT_TRUE(RecordView::parse(w.bytes(), RecordLimits{.max_fields = 5}));
  EXPECT_EQ(RecordView::parse(w.bytes(), RecordLimits{.max_fields = 4}).code(), Errc::too_many_fields);
  EXPECT_EQ(RecordView::parse(w.bytes(), RecordLimits{.max_fields = 0}).code(), Errc::too_many_fields);
}

std::vector<std::byte> nested_chain(int depth) {
  RecordWriter innermost;
  innermost.add_u64(1, 1);
  std::vector<std::byte> bytes = std::move(innermost).take();
  for (int level = 1; level < depth; ++level) {
    RecordWriter outer;
    outer.add_record(1, bytes);
    bytes = std::move(outer).take();
  }
  return bytes;
}

TEST(RecordParse, EnforcesMaxDepth) {
  EXPECT_TRUE(RecordView::parse(nested_chain(1), RecordLimits{.max_depth = 1}));
  EXPECT_EQ(RecordView::parse(nested_chain(2), RecordLimits{.max_depth = 1}).code(), Errc::too_deep);
  EXPECT_TRUE(RecordView::parse(nested_chain(16)));
  EXPECT_EQ(RecordView::parse(nested_chain(17)).code(), Errc::too_deep);
  // An empty nested record still counts as a level.
  EXPECT_EQ(RecordView::parse(bytes_of({0x0B, 0x00}), RecordLimits{.max_depth = 1}).code(), Errc::too_deep);
}

TEST(RecordParse, DepthIsCappedWhateverTheLimitsSay) {
  const RecordLimits generous{.max_depth = 1'000'000};
  EXPECT_TRUE(RecordView::parse(nested_chain(record_depth_ceiling), generous));
  EXPECT_EQ(RecordView::parse(nested_chain(record_depth_ceiling + 1), generous).code(), Errc::too_deep);
}

// A chain of 2000 nested records under an absurd max_depth is refused by the
// ceiling, after 65 levels of recursion, instead of recursing 2000 deep.
TEST(RecordParse, DeepChainIsRefusedAtTheCeiling) {
  EXPECT_EQ(RecordView::parse(nested_chain(2000), RecordLimits{.max_depth = 1'000'000}).code(), Errc::too_deep);
}

// Many siblings are limited by the field count, not by depth.
TEST(RecordParse, ManyEmptySiblingRecordsAreFine) {
  std::vector<std::byte> bytes;
  for (int i = 0; i < 100000; ++i) {
    bytes.push_back(std::byte{0x0B});  // tag 1, record
    bytes.push_back(std::byte{0x00});  // length 0
  }
  EXPECT_TRUE(RecordView::parse(bytes, RecordLimits{.max_fields = 100000}));
  EXPECT_EQ(RecordView::parse(bytes, RecordLimits{.max_fields = 99999}).code(), Errc::too_many_fields);
}

}  // namespace
}  // namespace missive
