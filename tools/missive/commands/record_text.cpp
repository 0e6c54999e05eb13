#include "commands/record_text.hpp"

#include <charconv>
#include <set>

#include <fmt/core.h>

namespace missive::cli {
namespace {

using service::CallError;
using service::CallResult;
using service::Done;

CallError bad(std::string_view text, std::string_view why) {
  return CallError{Errc::invalid_argument, "field '" + std::string(text) + "': " + std::string(why)};
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_hex(std::string_view text, std::vector<std::byte>& out) {
  if (text.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (ec != std::errc{} || end != text.data() + i + 2) return false;
    out.push_back(static_cast<std::byte>(value));
  }
  return true;
}

bool printable(std::span<const std::byte> bytes) {
  for (const std::byte b : bytes) {
    const auto c = static_cast<unsigned char>(b);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

std::string hex(std::span<const std::byte> bytes) {
  std::string out;
  for (const std::byte b : bytes) out += fmt::format("{:02x}", static_cast<unsigned>(b));
  return out;
}

// A bytes field that parses as a non-empty record is shown as one.
bool looks_like_record(std::span<const std::byte> bytes, RecordView& out) {
  if (bytes.empty() || printable(bytes)) return false;
  Result<RecordView> parsed = RecordView::parse(bytes);
  if (!parsed) return false;
  out = *parsed;
  return true;
}

}  // namespace

CallResult<Done> add_field_text(RecordWriter& writer, std::string_view text) {
  const std::size_t colon = text.find(':');
  const std::size_t equals = text.find('=');
  if (colon == std::string_view::npos || equals == std::string_view::npos || equals < colon) {
    return bad(text, "expected TAG:TYPE=VALUE, e.g. 1:str=hello");
  }
  std::uint32_t tag_number = 0;
  if (!parse_int(text.substr(0, colon), tag_number) || tag_number == 0 || tag_number >= (1u << 29)) {
    return bad(text, "TAG must be a number from 1 to 2^29-1");
  }
  const Tag tag = Tag::checked(tag_number).value();
  const std::string_view type = text.substr(colon + 1, equals - colon - 1);
  const std::string_view value = text.substr(equals + 1);
  if (type == "str") {
    writer.add_string(tag, value);
  } else if (type == "u64") {
    std::uint64_t v = 0;
    if (!parse_int(value, v)) return bad(text, "not an unsigned 64-bit number");
    writer.add_u64(tag, v);
  } else if (type == "i64") {
    std::int64_t v = 0;
    if (!parse_int(value, v)) return bad(text, "not a signed 64-bit number");
    writer.add_i64(tag, v);
  } else if (type == "bool") {
    if (value != "true" && value != "false") return bad(text, "bool is true or false");
    writer.add_bool(tag, value == "true");
  } else if (type == "hex") {
    std::vector<std::byte> bytes;
    if (!parse_hex(value, bytes)) return bad(text, "not an even number of hex digits");
    writer.add_bytes(tag, bytes);
  } else {
    return bad(text, "TYPE is one of u64, i64, bool, str, hex");
  }
  return Done{};
}

std::string record_to_text(const RecordView& view, int indent) {
  std::string out;
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  for (const Field& f : view.fields()) {
    const auto tag = f.tag().value();
    switch (f.type()) {
      case WireType::unsigned_int: out += fmt::format("{}{} u64: {}\n", pad, tag, f.as_u64()); break;
      case WireType::signed_int: out += fmt::format("{}{} i64: {}\n", pad, tag, f.as_i64()); break;
      case WireType::record:
        out += fmt::format("{}{} record:\n", pad, tag);
        out += record_to_text(f.as_record(), indent + 1);
        break;
      default: {
        const std::span<const std::byte> bytes = f.as_bytes();
        RecordView nested;
        if (printable(bytes)) {
          out += fmt::format("{}{} str: {}\n", pad, tag, f.as_string());
        } else if (looks_like_record(bytes, nested)) {
          out += fmt::format("{}{} record (in bytes):\n", pad, tag);
          out += record_to_text(nested, indent + 1);
        } else {
          out += fmt::format("{}{} hex: {}\n", pad, tag, hex(bytes));
        }
      }
    }
  }
  return out;
}

nlohmann::json record_to_json(const RecordView& view) {
  nlohmann::json out = nlohmann::json::object();
  std::set<std::string> repeated;
  for (const Field& f : view.fields()) {
    nlohmann::json value;
    switch (f.type()) {
      case WireType::unsigned_int: value = f.as_u64(); break;
      case WireType::signed_int: value = f.as_i64(); break;
      case WireType::record: value = record_to_json(f.as_record()); break;
      default:
        if (printable(f.as_bytes())) {
          value = std::string(f.as_string());
        } else {
          value = nlohmann::json{{"hex", hex(f.as_bytes())}};
        }
    }
    const std::string key = std::to_string(f.tag().value());
    if (!out.contains(key)) {
      out[key] = std::move(value);
    } else if (repeated.insert(key).second) {
      // The tag repeats: from now on its values form an array.
      out[key] = nlohmann::json::array({std::move(out[key]), std::move(value)});
    } else {
      out[key].push_back(std::move(value));
    }
  }
  return out;
}

}  // namespace missive::cli
