// Encoding and strict decoding of the bft messages (layout in messages.hpp).
#include "missive/bft/messages.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <type_traits>

#include "missive/bft/statement.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::bft {
namespace {

namespace tag {
inline constexpr std::uint32_t kind = 1;
inline constexpr std::uint32_t version = 2;
inline constexpr std::uint32_t epoch = 3;
inline constexpr std::uint32_t sender = 4;
inline constexpr std::uint32_t sequence = 5;
inline constexpr std::uint32_t digest = 6;
inline constexpr std::uint32_t message = 7;
inline constexpr std::uint32_t signature = 8;
inline constexpr std::uint32_t witness = 9;
inline constexpr std::uint32_t signer = 10;
inline constexpr std::uint32_t message_count = 11;
inline constexpr std::uint32_t signer_count = 12;
inline constexpr std::uint32_t last_known = 12;
}  // namespace tag

namespace signer_tag {
inline constexpr std::uint32_t witness = 1;
inline constexpr std::uint32_t signature = 2;
}  // namespace signer_tag

constexpr std::uint32_t bit(std::uint32_t t) { return 1u << t; }
constexpr std::uint32_t header_bits = bit(tag::kind) | bit(tag::version) | bit(tag::epoch) | bit(tag::sender) |
                                      bit(tag::sequence);

// Which known tags a kind carries (all required; message and signer at least once).
std::uint32_t fields_of(MessageKind kind) noexcept {
  switch (kind) {
    case MessageKind::propose:
      return header_bits | bit(tag::message) | bit(tag::message_count) | bit(tag::signature);
    case MessageKind::ack:
      return header_bits | bit(tag::digest) | bit(tag::witness) | bit(tag::signature);
    case MessageKind::commit:
      return header_bits | bit(tag::digest) | bit(tag::message) | bit(tag::message_count) | bit(tag::signer) |
             bit(tag::signer_count);
    case MessageKind::have:
    case MessageKind::bracha_ready:
      return header_bits | bit(tag::digest);
    case MessageKind::bracha_send:
    case MessageKind::bracha_echo:
      return header_bits | bit(tag::message) | bit(tag::message_count);
  }
  return 0;
}

// ---- encoding ----

void put_header(RecordWriter& w, MessageKind kind, const InstanceId& id) {
  w.add_u64(tag::kind, static_cast<std::uint64_t>(kind)).add_u64(tag::version, protocol_version);
  w.add_u64(tag::epoch, id.epoch).add_u64(tag::sender, id.sender).add_u64(tag::sequence, id.sequence);
}

void put_batch(RecordWriter& w, const std::vector<Bytes>& batch) {
  for (const Bytes& m : batch) w.add_bytes(tag::message, m);
}

void put_batch_count(RecordWriter& w, const std::vector<Bytes>& batch) { w.add_u64(tag::message_count, batch.size()); }

struct Encoder {
  RecordWriter& w;
  void operator()(const Propose& m) const {
    put_header(w, MessageKind::propose, m.instance);
    put_batch(w, m.batch);
    w.add_bytes(tag::signature, m.sender_signature);
    put_batch_count(w, m.batch);
  }
  void operator()(const Ack& m) const {
    put_header(w, MessageKind::ack, m.instance);
    w.add_bytes(tag::digest, m.digest).add_u64(tag::witness, m.witness).add_bytes(tag::signature, m.signature);
  }
  void operator()(const Commit& m) const {
    put_header(w, MessageKind::commit, m.instance);
    w.add_bytes(tag::digest, m.digest);
    put_batch(w, m.batch);
    for (const WitnessSignature& s : m.certificate.signatures) {
      w.add_record(tag::signer, [&](RecordWriter& nested) {
        nested.add_u64(signer_tag::witness, s.witness).add_bytes(signer_tag::signature, s.signature);
      });
    }
    put_batch_count(w, m.batch);
    w.add_u64(tag::signer_count, m.certificate.signatures.size());
  }
  void operator()(const Have& m) const {
    put_header(w, MessageKind::have, m.instance);
    w.add_bytes(tag::digest, m.digest);
  }
  void operator()(const BrachaSend& m) const {
    put_header(w, MessageKind::bracha_send, m.instance);
    put_batch(w, m.batch);
    put_batch_count(w, m.batch);
  }
  void operator()(const BrachaEcho& m) const {
    put_header(w, MessageKind::bracha_echo, m.instance);
    put_batch(w, m.batch);
    put_batch_count(w, m.batch);
  }
  void operator()(const BrachaReady& m) const {
    put_header(w, MessageKind::bracha_ready, m.instance);
    w.add_bytes(tag::digest, m.digest);
  }
};

// ---- decoding ----

// The known fields of one message, as met in a single pass.
struct Collected {
  std::uint32_t seen = 0;  // bit(tag) for every known tag met
  std::uint64_t scalars[tag::last_known + 1] = {};
  std::span<const std::byte> digest{};
  std::span<const std::byte> signature{};
  std::vector<std::span<const std::byte>> batch;
  std::vector<RecordView> signers;
};

bool is_scalar(std::uint32_t t) noexcept {
  return t == tag::kind || t == tag::version || t == tag::epoch || t == tag::sender || t == tag::sequence ||
         t == tag::witness || t == tag::message_count || t == tag::signer_count;
}

class Collector {
 public:
  Collector(const BroadcastLimits& limits, std::uint32_t max_signers) : limits_(limits), max_signers_(max_signers) {}

  Status take(const Field& field) {
    const std::uint32_t t = field.tag().value();
    if (t == 0 || t > tag::last_known) return ok();  // unknown: skipped
    const bool repeatable = t == tag::message || t == tag::signer;
    if (!repeatable && (out.seen & bit(t)) != 0) return Error{Errc::malformed_record, "bft message repeats a field"};
    out.seen |= bit(t);
    if (is_scalar(t)) {
      if (field.type() != WireType::unsigned_int) return Error{Errc::wrong_type, "bft header field is not unsigned"};
      out.scalars[t] = field.as_u64();
      return ok();
    }
    if (t == tag::signer) return take_signer(field);
    if (field.type() != WireType::bytes) return Error{Errc::wrong_type, "bft field is not bytes"};
    if (t == tag::message) return take_message(field.as_bytes());
    if (t == tag::digest) {
      if (field.as_bytes().size() != digest_size) return Error{Errc::malformed_record, "digest is not 32 bytes"};
      out.digest = field.as_bytes();
    } else {
      if (field.as_bytes().size() != signature_size) {
        return Error{Errc::malformed_record, "signature is not 64 bytes"};
      }
      out.signature = field.as_bytes();
    }
    return ok();
  }

  Collected out;

 private:
  Status take_message(std::span<const std::byte> message) {
    if (out.batch.size() >= limits_.max_batch_messages) {
      return Error{Errc::too_large, "batch has more messages than max_batch_messages"};
    }
    if (message.size() > limits_.max_message_bytes) return Error{Errc::too_large, "message above max_message_bytes"};
    batch_bytes_ += message.size();
    if (batch_bytes_ > limits_.max_batch_bytes) return Error{Errc::too_large, "batch above max_batch_bytes"};
    out.batch.push_back(message);
    return ok();
  }

  Status take_signer(const Field& field) {
    if (field.type() != WireType::record) return Error{Errc::wrong_type, "certificate signer is not a record"};
    if (out.signers.size() >= max_signers_) return Error{Errc::too_large, "certificate has more signers than members"};
    out.signers.push_back(field.as_record());
    return ok();
  }

  const BroadcastLimits& limits_;
  std::uint32_t max_signers_;
  std::size_t batch_bytes_ = 0;
};

template <class Array>
Array copy_array(std::span<const std::byte> bytes) {
  Array a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return a;
}

std::vector<Bytes> copy_batch(const std::vector<std::span<const std::byte>>& batch) {
  std::vector<Bytes> out;
  out.reserve(batch.size());
  for (std::span<const std::byte> m : batch) out.emplace_back(m.begin(), m.end());
  return out;
}

Result<WitnessSignature> decode_signer(const RecordView& record) {
  if (record.count(signer_tag::witness) != 1 || record.count(signer_tag::signature) != 1) {
    return Error{Errc::malformed_record, "certificate signer needs exactly one witness and one signature"};
  }
  Result<std::uint64_t> witness = record.get_u64_strict(signer_tag::witness);
  if (!witness) return witness.error();
  if (*witness > std::numeric_limits<NodeId>::max()) return Error{Errc::malformed_record, "signer id above 2^32-1"};
  Result<std::span<const std::byte>> signature = record.get_bytes_strict(signer_tag::signature);
  if (!signature) return signature.error();
  if (signature->size() != signature_size) return Error{Errc::malformed_record, "signature is not 64 bytes"};
  return WitnessSignature{static_cast<NodeId>(*witness), copy_array<Signature>(*signature)};
}

Result<InstanceId> header_of(const Collected& c) {
  if (c.scalars[tag::version] != protocol_version) {
    return Error{Errc::unsupported_version, "bft protocol version this build does not speak"};
  }
  if (c.scalars[tag::sender] > std::numeric_limits<NodeId>::max()) {
    return Error{Errc::malformed_record, "sender id above 2^32-1"};
  }
  if (c.scalars[tag::sequence] == 0) return Error{Errc::malformed_record, "sequence 0 (sequences start at 1)"};
  if ((c.seen & bit(tag::message_count)) != 0 && c.scalars[tag::message_count] != c.batch.size()) {
    return Error{Errc::malformed_record, "batch size differs from its message count"};
  }
  if ((c.seen & bit(tag::signer_count)) != 0 && c.scalars[tag::signer_count] != c.signers.size()) {
    return Error{Errc::malformed_record, "certificate size differs from its signer count"};
  }
  return InstanceId{c.scalars[tag::epoch], static_cast<NodeId>(c.scalars[tag::sender]), c.scalars[tag::sequence]};
}

Result<WireMessage> build(MessageKind kind, const InstanceId& id, const Collected& c) {
  switch (kind) {
    case MessageKind::propose:
      return WireMessage{Propose{id, copy_batch(c.batch), copy_array<Signature>(c.signature)}};
    case MessageKind::ack: {
      if (c.scalars[tag::witness] > std::numeric_limits<NodeId>::max()) {
        return Error{Errc::malformed_record, "witness id above 2^32-1"};
      }
      return WireMessage{Ack{id, copy_array<Digest>(c.digest), static_cast<NodeId>(c.scalars[tag::witness]),
                             copy_array<Signature>(c.signature)}};
    }
    case MessageKind::commit: {
      Commit commit{id, copy_array<Digest>(c.digest), {}, {}};
      for (const RecordView& r : c.signers) {
        Result<WitnessSignature> s = decode_signer(r);
        if (!s) return s.error();
        commit.certificate.signatures.push_back(*s);
      }
      commit.batch = copy_batch(c.batch);
      return WireMessage{std::move(commit)};
    }
    case MessageKind::have:
      return WireMessage{Have{id, copy_array<Digest>(c.digest)}};
    case MessageKind::bracha_send:
      return WireMessage{BrachaSend{id, copy_batch(c.batch)}};
    case MessageKind::bracha_echo:
      return WireMessage{BrachaEcho{id, copy_batch(c.batch)}};
    case MessageKind::bracha_ready:
      return WireMessage{BrachaReady{id, copy_array<Digest>(c.digest)}};
  }
  return Error{Errc::malformed_record, "unknown bft message kind"};
}

RecordLimits record_limits(const BroadcastLimits& limits, std::uint32_t max_signers) {
  const std::size_t per_message_overhead = 16;  // key + length varints
  const std::size_t per_signer = 96;            // key, length, witness, 64-byte signature
  return RecordLimits{
      .max_bytes = limits.max_batch_bytes + limits.max_batch_messages * per_message_overhead +
                   std::size_t{max_signers} * per_signer + 1024,
      .max_fields = static_cast<std::uint32_t>(
          std::min<std::size_t>(limits.max_batch_messages + 3u * max_signers + 64u, std::size_t{1} << 30)),
      .max_depth = 2,
  };
}

}  // namespace

MessageKind kind_of(const WireMessage& message) noexcept {
  return static_cast<MessageKind>(message.index() + 1);
}

const InstanceId& instance_of(const WireMessage& message) noexcept {
  return std::visit([](const auto& m) -> const InstanceId& { return m.instance; }, message);
}

Bytes encode(const WireMessage& message) {
  RecordWriter writer;
  std::visit(Encoder{writer}, message);
  return std::move(writer).take();
}

Result<WireMessage> decode(std::span<const std::byte> bytes, const BroadcastLimits& limits,
                           std::uint32_t max_signers) {
  Result<RecordView> view = RecordView::parse(bytes, record_limits(limits, max_signers));
  if (!view) return view.error();
  Collector collector(limits, max_signers);
  for (const Field& field : view->fields()) {
    if (Status s = collector.take(field); !s) return s.error();
  }
  const Collected& c = collector.out;
  if ((c.seen & bit(tag::kind)) == 0) return Error{Errc::malformed_record, "bft message without a kind"};
  const std::uint64_t raw_kind = c.scalars[tag::kind];
  if (raw_kind < 1 || raw_kind > static_cast<std::uint64_t>(MessageKind::bracha_ready)) {
    return Error{Errc::malformed_record, "unknown bft message kind"};
  }
  const auto kind = static_cast<MessageKind>(raw_kind);
  const std::uint32_t expected = fields_of(kind);
  if ((c.seen & ~expected) != 0) return Error{Errc::malformed_record, "bft message has a field its kind does not use"};
  if ((c.seen & expected) != expected) return Error{Errc::malformed_record, "bft message misses a required field"};
  Result<InstanceId> id = header_of(c);
  if (!id) return id.error();
  return build(kind, *id, c);
}

static_assert(std::variant_size_v<WireMessage> == static_cast<std::size_t>(MessageKind::bracha_ready));

}  // namespace missive::bft
