// cluster.toml (cluster_file.hpp), read with toml++.
#include "missive/bft/cluster_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace missive::bft {
namespace {

std::string resolve(const std::filesystem::path& base, const std::string& value) {
  if (value.empty()) return value;
  const std::filesystem::path p(value);
  return p.is_absolute() ? value : (base / p).lexically_normal().string();
}

}  // namespace

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 15u];
  }
  return out;
}

Status from_hex(std::string_view hex, std::span<std::byte> out) {
  if (hex.size() != out.size() * 2) return Error{Errc::invalid_argument, "hex string of the wrong length"};
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error{Errc::invalid_argument, "not a hex digit"};
    out[i] = static_cast<std::byte>((hi << 4) | lo);
  }
  return ok();
}

std::optional<sim::Behaviour> behaviour_from_name(std::string_view name) {
  for (int i = 0; i < sim::behaviour_count; ++i) {
    const auto b = static_cast<sim::Behaviour>(i);
    if (sim::name(b) == name) return b;
  }
  return std::nullopt;
}

Result<Seed> read_seed_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error{Errc::not_found, "cannot open the key file"};
  std::string line;
  std::getline(file, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
  Seed seed{};
  if (Status s = from_hex(line, seed); !s) return Error{Errc::invalid_argument, "key file must hold 64 hex digits"};
  return seed;
}

Result<ClusterFile> ClusterFile::load(const std::string& path) {
  if (!std::filesystem::exists(path)) return Error{Errc::not_found, "no such cluster file"};
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error&) {
    return Error{Errc::invalid_argument, "cluster file is not valid TOML"};
  }
  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  ClusterFile out;
  out.epoch = static_cast<std::uint64_t>(root["epoch"].value_or<std::int64_t>(1));
  const auto f = root["f"].value<std::int64_t>();
  if (!f || *f < 0) return Error{Errc::invalid_argument, "cluster file: `f` (a non-negative integer) is required"};
  out.f = static_cast<std::uint32_t>(*f);
  const std::string mode = root["mode"].value_or<std::string>("echo");
  if (mode == "echo" || mode == "signed_echo") {
    out.mode = Mode::signed_echo;
  } else if (mode == "bracha") {
    out.mode = Mode::bracha;
  } else {
    return Error{Errc::invalid_argument, "cluster file: `mode` must be echo or bracha"};
  }
  const std::int64_t batch = root["batch"].value_or<std::int64_t>(1);
  if (batch < 1) return Error{Errc::invalid_argument, "cluster file: `batch` must be at least 1"};
  out.batch = static_cast<std::uint32_t>(batch);
  const toml::array* members = root["member"].as_array();
  if (!members || members->empty()) return Error{Errc::invalid_argument, "cluster file: no [[member]] entries"};
  for (std::size_t i = 0; i < members->size(); ++i) {
    const toml::table* m = members->get(i)->as_table();
    if (!m) return Error{Errc::invalid_argument, "cluster file: [[member]] must be a table"};
    if (auto id = (*m)["id"].value<std::int64_t>(); id && *id != static_cast<std::int64_t>(i)) {
      return Error{Errc::invalid_argument, "cluster file: member ids must be 0, 1, ... in file order"};
    }
    MemberEntry e;
    e.address = (*m)["address"].value_or<std::string>("");
    if (e.address.empty()) return Error{Errc::invalid_argument, "cluster file: a member has no `address`"};
    if (Status s = from_hex((*m)["public_key"].value_or<std::string>(""), e.public_key); !s) {
      return Error{Errc::invalid_argument, "cluster file: a member's `public_key` is not 64 hex digits"};
    }
    e.key_file = resolve(base, (*m)["key_file"].value_or<std::string>(""));
    e.votes = resolve(base, (*m)["votes"].value_or<std::string>(""));
    if (auto b = (*m)["behaviour"].value<std::string>()) {
      e.behaviour = behaviour_from_name(*b);
      if (!e.behaviour) return Error{Errc::invalid_argument, "cluster file: unknown `behaviour`"};
    }
    out.members.push_back(std::move(e));
  }
  return out;
}

std::string ClusterFile::to_toml() const {
  std::ostringstream s;
  s << "epoch = " << epoch << "\nf = " << f << "\nmode = \"" << (mode == Mode::bracha ? "bracha" : "echo")
    << "\"\nbatch = " << batch << "\n";
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberEntry& m = members[i];
    s << "\n[[member]]\nid = " << i << "\naddress = \"" << m.address << "\"\npublic_key = \"" << to_hex(m.public_key)
      << "\"\nkey_file = \"" << m.key_file << "\"\n";
    if (!m.votes.empty()) s << "votes = \"" << m.votes << "\"\n";
    if (m.behaviour) s << "behaviour = \"" << sim::name(*m.behaviour) << "\"\n";
  }
  return s.str();
}

Result<ClusterConfig> ClusterFile::cluster_config() const {
  std::vector<PublicKey> keys;
  for (const MemberEntry& m : members) keys.push_back(m.public_key);
  return ClusterConfig::create(epoch, f, std::move(keys));
}

}  // namespace missive::bft
