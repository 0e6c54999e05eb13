#include "missive/core/error.hpp"

#include <gtest/gtest.h>

namespace missive {
namespace {

TEST(Error, NamesAreStableSnakeCase) {
  EXPECT_EQ(name(Errc::ok), "ok");
  EXPECT_EQ(name(Errc::would_block), "would_block");
  EXPECT_EQ(name(Errc::timed_out), "timed_out");
  EXPECT_EQ(name(Errc::closed), "closed");
  EXPECT_EQ(name(Errc::truncated), "truncated");
  EXPECT_EQ(name(Errc::bad_magic), "bad_magic");
  EXPECT_EQ(name(Errc::unsupported_version), "unsupported_version");
  EXPECT_EQ(name(Errc::too_large), "too_large");
  EXPECT_EQ(name(Errc::bad_checksum), "bad_checksum");
  EXPECT_EQ(name(Errc::malformed_record), "malformed_record");
  EXPECT_EQ(name(Errc::too_many_fields), "too_many_fields");
  EXPECT_EQ(name(Errc::too_deep), "too_deep");
  EXPECT_EQ(name(Errc::wrong_type), "wrong_type");
  EXPECT_EQ(name(Errc::invalid_argument), "invalid_argument");
  EXPECT_EQ(name(Errc::malformed_frame), "malformed_frame");
  EXPECT_EQ(name(Errc::trailing_bytes), "trailing_bytes");
  EXPECT_EQ(name(Errc::peer_died), "peer_died");
  EXPECT_EQ(name(Errc::refused), "refused");
  EXPECT_EQ(name(Errc::permission_denied), "permission_denied");
  EXPECT_EQ(name(Errc::address_in_use), "address_in_use");
  EXPECT_EQ(name(Errc::system_error), "system_error");
  EXPECT_EQ(name(Errc::corrupted), "corrupted");
  EXPECT_EQ(name(Errc::not_found), "not_found");
  EXPECT_EQ(name(Errc::service_unavailable), "service_unavailable");
  EXPECT_EQ(name(Errc::service_restarted), "service_restarted");
  EXPECT_EQ(name(Errc::rejected), "rejected");
  EXPECT_EQ(name(Errc::deadlock), "deadlock");
  EXPECT_EQ(name(Errc::bad_signature), "bad_signature");
  EXPECT_EQ(name(Errc::equivocation), "equivocation");
  EXPECT_EQ(name(static_cast<Errc>(250)), "unknown_error");
}

TEST(Error, MessageJoinsNameAndDetail) {
  EXPECT_EQ((Error{Errc::truncated, "header needs 32 bytes"}).message(), "truncated: header needs 32 bytes");
  EXPECT_EQ((Error{Errc::closed, ""}).message(), "closed");
  EXPECT_EQ((Error{Errc::closed, nullptr}).message(), "closed");
}

TEST(Error, ComparesByCode) {
  EXPECT_EQ((Error{Errc::closed, "a"}), (Error{Errc::closed, "b"}));
  EXPECT_TRUE((Error{Errc::closed, "a"}) == Errc::closed);
  EXPECT_FALSE((Error{Errc::closed, "a"}) == Errc::timed_out);
}

}  // namespace
}  // namespace missive
