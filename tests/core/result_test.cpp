#include "missive/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace missive {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{Errc::invalid_argument, "not a digit"};
  return c - '0';
}

TEST(Result, HoldsValue) {
  auto r = parse_digit('7');
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(r.code(), Errc::ok);
  EXPECT_EQ(r.value_or(1), 7);
}

TEST(Result, HoldsError) {
  auto r = parse_digit('x');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_STREQ(r.error().detail, "not a digit");
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  std::unique_ptr<int> p = *std::move(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
  Result<std::unique_ptr<int>> r2(std::make_unique<int>(6));
  std::unique_ptr<int> p2 = std::move(r2).value();
  EXPECT_EQ(*p2, 6);
}

TEST(Result, ArrowAndInPlace) {
  Result<std::string> r(std::in_place, 3, 'a');
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 3u);
  const Result<std::string>& cr = r;
  EXPECT_EQ(*cr, "aaa");
  EXPECT_EQ(cr->front(), 'a');
  EXPECT_EQ(cr.value(), "aaa");
}

TEST(Result, FromCodeOnly) {
  Result<int> r(Errc::closed);
  EXPECT_EQ(r.code(), Errc::closed);
}

TEST(Status, OkAndError) {
  Status s = ok();
  EXPECT_TRUE(s);
  EXPECT_EQ(s.code(), Errc::ok);
  Status e = Errc::timed_out;
  EXPECT_FALSE(e);
  EXPECT_EQ(e.code(), Errc::timed_out);
  Status d = Error{Errc::closed, "gone"};
  EXPECT_STREQ(d.error().detail, "gone");
  EXPECT_FALSE(d.has_value());
}

}  // namespace
}  // namespace missive
