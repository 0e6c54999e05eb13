// The call envelope: round trips, and hostile envelopes refused with clear errors.
#include <gtest/gtest.h>

#include <cstring>

#include "missive/service/envelope.hpp"
#include "missive/service/registry_protocol.hpp"
#include "missive/wire/message.hpp"

namespace missive::service {
namespace {

std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

TEST(Envelope, RequestRoundTrips) {
  Request r;
  r.id = 42;
  r.kind = CallKind::notification;
  r.method = "kv.put";
  r.body = bytes_of("payload");
  r.budget_us = 1500;
  r.retry = true;
  r.caller = "fsd";
  Result<Request> back = decode_message<Request>(encode_message(r));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->id, 42u);
  EXPECT_EQ(back->kind, CallKind::notification);
  EXPECT_EQ(back->method, "kv.put");
  EXPECT_EQ(back->body, bytes_of("payload"));
  EXPECT_EQ(back->budget_us, 1500u);
  EXPECT_TRUE(back->retry);
  EXPECT_EQ(back->caller, "fsd");
  EXPECT_EQ(back->version, call_protocol_version);
}

TEST(Envelope, ReplyRoundTripsWithErrorDetail) {
  Reply r;
  r.id = 7;
  r.status = Errc::deadlock;
  r.detail = "cycle a -> b -> a";
  Result<Reply> back = decode_message<Reply>(encode_message(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->status, Errc::deadlock);
  EXPECT_EQ(back->detail, "cycle a -> b -> a");
}

TEST(Envelope, RequestWithoutMethodIsRefused) {
  RecordWriter w;
  w.add_u64(1, 1).add_u64(2, 1);
  Result<Request> r = decode_message<Request>(std::move(w).take());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::malformed_record);
}

TEST(Envelope, UnknownKindIsRefused) {
  RecordWriter w;
  w.add_u64(1, 1).add_u64(2, 9).add_string(3, "m");
  Result<Request> r = decode_message<Request>(std::move(w).take());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::malformed_record);
}

TEST(Envelope, WrongWireTypeIsRefused) {
  RecordWriter w;
  w.add_string(1, "not a number").add_string(3, "m");
  Result<Request> r = decode_message<Request>(std::move(w).take());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::wrong_type);
}

TEST(Envelope, ReplyStatusOutOfRangeIsRefused) {
  RecordWriter w;
  w.add_u64(1, 1).add_u64(2, 100000);
  Result<Reply> r = decode_message<Reply>(std::move(w).take());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::malformed_record);
}

TEST(Envelope, TruncatedBytesAreRefused) {
  Request r;
  r.id = 1;
  r.method = "echo";
  r.body = bytes_of("0123456789");
  std::vector<std::byte> encoded = encode_message(r);
  for (std::size_t cut = 1; cut < encoded.size(); ++cut) {
    Result<Request> back = decode_message<Request>(std::span(encoded).first(cut));
    if (back) {
      // A cut on a field boundary is a valid (shorter) record; it must not
      // claim the fields that were cut off.
      EXPECT_LE(back->body.size(), r.body.size());
    }
  }
}

TEST(RegistryProtocol, StatusReplyRoundTrips) {
  StatusReply reply;
  reply.host_pid = 9;
  reply.services.push_back(ServiceStatus{"kvd", "running", 12, 3, 1, 500, "shm://x", ""});
  reply.services.push_back(ServiceStatus{"fsd", "backoff", 0, 2, 4, 0, "", "signal 9"});
  Result<StatusReply> back = decode_message<StatusReply>(encode_message(reply));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->services.size(), 2u);
  EXPECT_EQ(back->services[1].last_exit, "signal 9");
  EXPECT_EQ(back->services[0].pid, 12u);
  EXPECT_EQ(back->host_pid, 9u);
}

TEST(RegistryProtocol, RegisterNeedsNameAndAddress) {
  Result<RegisterRequest> r = decode_message<RegisterRequest>(encode_message(RegisterRequest{"", "shm://x", 1}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::service
