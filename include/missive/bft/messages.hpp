// missive/bft/messages.hpp - the messages nodes exchange, and their strict decoder.
//
// Every message is one record (wire/record_format.hpp) with these tags:
//
//   tag  name       type      in
//   ---  ---------  --------  -----------------------------------------------
//    1   kind       unsigned  all (MessageKind)
//    2   version    unsigned  all (protocol_version)
//    3   epoch      unsigned  all
//    4   sender     unsigned  all: the instance's sender
//    5   sequence   unsigned  all: 1, 2, ...
//    6   digest     bytes 32  ack, commit, have, bracha_ready (in a commit: the batch's claimed root)
//    7   message    bytes     propose, commit, bracha_send, bracha_echo (repeated: the batch)
//    8   signature  bytes 64  propose (sender's), ack (witness's)
//    9   witness    unsigned  ack
//   10   signer     record    commit (repeated): { 1 witness unsigned, 2 signature bytes 64 }
//   11   messages   unsigned  propose, commit, bracha_send, bracha_echo: the batch's size
//   12   signers    unsigned  commit: the number of signer fields
//
// The encoder writes the two counts last, so a message cut short anywhere
// lacks a count (or a required field, or ends mid-field) and is refused:
// no truncation of a valid message decodes to a shorter valid one.
//
// Decoding is strict: the kind must be known, the version supported, every
// field the kind needs present exactly once with its wire type and size,
// the counts equal to what is there, batches non-empty and within BroadcastLimits, node ids below 2^32 and
// sequences >= 1. Unknown tags are skipped (newer peers may add fields; they
// are never signed). Signatures and membership are checked later, by the
// node, since they need the cluster configuration.
#pragma once

#include <span>
#include <variant>
#include <vector>

#include "missive/bft/certificate.hpp"
#include "missive/bft/config.hpp"
#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

enum class MessageKind : std::uint8_t {
  propose = 1,       // echo mode: sender -> witnesses, signed batch
  ack = 2,           // echo mode: witness -> sender, signed vote for one digest
  commit = 3,        // echo mode: batch + certificate, sent by the sender and relayed by every deliverer
  have = 4,          // both modes: "I delivered this (instance, digest)", stops retransmission
  bracha_send = 5,   // Bracha: sender -> all
  bracha_echo = 6,   // Bracha: echo of the sender's batch, to all
  bracha_ready = 7,  // Bracha: ready for a digest, to all
};

struct Propose {
  InstanceId instance;
  std::vector<Bytes> batch;
  Signature sender_signature{};
};

struct Ack {
  InstanceId instance;
  Digest digest{};
  NodeId witness = 0;
  Signature signature{};
};

struct Commit {
  InstanceId instance;
  Digest digest{};  // the root the certificate is for; the node checks the batch against it
  std::vector<Bytes> batch;
  Certificate certificate;
};

struct Have {
  InstanceId instance;
  Digest digest{};
};

struct BrachaSend {
  InstanceId instance;
  std::vector<Bytes> batch;
};

struct BrachaEcho {
  InstanceId instance;
  std::vector<Bytes> batch;
};

struct BrachaReady {
  InstanceId instance;
  Digest digest{};
};

using WireMessage = std::variant<Propose, Ack, Commit, Have, BrachaSend, BrachaEcho, BrachaReady>;

[[nodiscard]] MessageKind kind_of(const WireMessage& message) noexcept;
[[nodiscard]] const InstanceId& instance_of(const WireMessage& message) noexcept;

[[nodiscard]] Bytes encode(const WireMessage& message);

// Errors: the record parse errors (truncated, malformed_record, too_large,
// too_many_fields, too_deep); wrong_type; malformed_record for a missing,
// repeated or mis-sized field or an unknown kind; unsupported_version;
// too_large for a batch or certificate beyond the limits.
[[nodiscard]] Result<WireMessage> decode(std::span<const std::byte> bytes, const BroadcastLimits& limits,
                                         std::uint32_t max_signers);

}  // namespace missive::bft
