// make_seed_corpus - writes the seed corpus of the wire fuzzers.
//
//   build-fuzz/fuzz/make_seed_corpus fuzz/corpus
//
// Creates <dir>/frame/* and <dir>/record/*: small valid inputs of every shape
// and one input per rejection, so that fuzzing starts with every code path
// reachable. The files are committed; rerun this when the format changes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "missive/wire/crc32c.hpp"
#include "missive/wire/frame.hpp"
#include "missive/wire/record_writer.hpp"

namespace {

using namespace missive;
using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::initializer_list<unsigned> values) {
  Bytes out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes sample_record() {
  RecordWriter w;
  w.add_string(1, "/var/log/syslog").add_u64(2, 4096).add_i64(3, -42).add_bool(4, true);
  w.add_string(5, "hot").add_string(5, "audit");
  w.add_record(
      6, [](RecordWriter& n) { n.add_string(1, "node-7").add_record(2, [](RecordWriter& nn) { nn.add_u64(1, 1); }); });
  w.add_u64(Tag::max_value, ~std::uint64_t{0});
  return std::move(w).take();
}

Bytes frame_of(const Bytes& payload, FrameHeaderFields fields = {0, 7, 1}) {
  Bytes out;
  if (!append_frame(fields, payload, out)) std::abort();
  return out;
}

void refresh_checksum(Bytes& frame) {
  for (std::size_t i = 0; i < 4; ++i) frame[frame_offset::checksum + i] = std::byte{0};
  const std::uint32_t crc = crc32c(frame);
  for (std::size_t i = 0; i < 4; ++i) frame[frame_offset::checksum + i] = static_cast<std::byte>(crc >> (8 * i));
}

std::vector<std::pair<std::string, Bytes>> frame_seeds() {
  std::vector<std::pair<std::string, Bytes>> seeds;
  seeds.emplace_back("empty_payload", frame_of({}));
  seeds.emplace_back("record_payload", frame_of(sample_record(), {0x0101, 42, 0x1122334455667788}));
  Bytes longer = frame_of({});
  longer[frame_offset::header_length] = std::byte{40};
  longer.insert(longer.end(), 8, std::byte{0xAB});
  longer.push_back(std::byte{'x'});
  longer[frame_offset::payload_length] = std::byte{1};
  refresh_checksum(longer);
  seeds.emplace_back("header_40_bytes", longer);
  Bytes two = frame_of(bytes_of({1, 2, 3}));
  const Bytes second = frame_of(bytes_of({4}));
  two.insert(two.end(), second.begin(), second.end());
  seeds.emplace_back("two_frames", two);
  Bytes truncated = frame_of({});
  truncated.resize(20);
  seeds.emplace_back("truncated_header", truncated);
  Bytes bad_crc = frame_of(bytes_of({9, 9}));
  bad_crc.back() ^= std::byte{1};
  seeds.emplace_back("bad_checksum", bad_crc);
  Bytes v2 = frame_of({});
  v2[frame_offset::version] = std::byte{2};
  refresh_checksum(v2);
  seeds.emplace_back("version_2", v2);
  Bytes short_header = frame_of({});
  short_header[frame_offset::header_length] = std::byte{31};
  seeds.emplace_back("header_length_31", short_header);
  return seeds;
}

std::vector<std::pair<std::string, Bytes>> record_seeds() {
  std::vector<std::pair<std::string, Bytes>> seeds;
  seeds.emplace_back("empty", Bytes{});
  seeds.emplace_back("all_kinds", sample_record());
  RecordWriter chain;
  chain.add_record(1, [](RecordWriter& a) {
    a.add_record(1, [](RecordWriter& b) { b.add_record(1, [](RecordWriter& c) { c.add_i64(2, -1); }); });
  });
  seeds.emplace_back("nested_4_levels", std::move(chain).take());
  seeds.emplace_back("overlong_varint",
                     bytes_of({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}));
  seeds.emplace_back("non_shortest_varint", bytes_of({0x08, 0x80, 0x00}));
  seeds.emplace_back("wire_type_5", bytes_of({0x0D, 0x00}));
  seeds.emplace_back("length_past_end", bytes_of({0x12, 0x09, 'a'}));
  seeds.emplace_back("tag_0", bytes_of({0x00, 0x00}));
  return seeds;
}

void write_all(const std::filesystem::path& dir, const std::vector<std::pair<std::string, Bytes>>& seeds) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : seeds) write_file(dir / name, bytes);
  std::printf("%zu seeds in %s\n", seeds.size(), dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root(argv[1]);
  write_all(root / "frame", frame_seeds());
  write_all(root / "record", record_seeds());
  return 0;
}
