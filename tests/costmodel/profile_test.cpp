// Profiles: defaults without a file, the lookup order of the path, a store /
// load round trip, and hostile files (truncated at every byte, wrong types,
// absurd values, deep nesting, oversized) rejected with an error, never a
// crash or a half-read profile.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "missive/costmodel/model.hpp"
#include "missive/costmodel/path_choice.hpp"
#include "missive/costmodel/profile.hpp"

namespace missive::costmodel {
namespace {

using namespace std::string_literals;

Profile calibrated_profile() {
  Profile p;
  p.parameters.sigma_ns = 11000;
  p.parameters.syscall_ns = 110;
  p.parameters.wakeup_ns = 9000;
  p.parameters.bk_gbps = 9.5;
  p.parameters.bcc_gbps = 21;
  p.parameters.share_fixed_ns = 380;
  p.parameters.inline_fixed_ns = 140;
  p.parameters.inline_gbps = 14;
  p.model_crossover_bytes = 7000;
  p.measured_crossover_bytes = 6500;
  p.crossover_bytes = 6500;
  p.host = "test-host";
  p.created_unix = 1764000000;
  p.cpus = 2;
  p.calibrated = true;
  return p;
}

// A scratch directory removed at the end of each test.
class ProfileFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/missive-profile-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

TEST(Profile, DefaultsAreTheReferenceMachineAndItsModelCrossover) {
  const Profile p = default_profile();
  EXPECT_FALSE(p.calibrated);
  EXPECT_EQ(p.parameters, reference_parameters());
  const Crossover x = inline_share_crossover(p.parameters);
  ASSERT_EQ(x.kind, Crossover::Kind::at_size) << "the reference figures must cross";
  EXPECT_EQ(p.crossover_bytes, static_cast<std::size_t>(std::ceil(x.bytes)));
  EXPECT_GT(p.crossover_bytes, 256u);
  EXPECT_LT(p.crossover_bytes, 1u << 20);
}

TEST(Profile, JsonRoundTrip) {
  const Profile p = calibrated_profile();
  auto back = parse_profile(to_json(p));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->parameters, p.parameters);
  EXPECT_EQ(back->crossover_bytes, 6500u);
  EXPECT_EQ(back->model_crossover_bytes, 7000);
  EXPECT_EQ(back->measured_crossover_bytes, 6500);
  EXPECT_EQ(back->host, "test-host");
  EXPECT_EQ(back->created_unix, 1764000000);
  EXPECT_EQ(back->cpus, 2);
  EXPECT_TRUE(back->calibrated);
}

TEST(Profile, NeverShareTravelsAsNull) {
  Profile p = calibrated_profile();
  p.crossover_bytes = never_share;
  p.measured_crossover_bytes = -1;
  const std::string json = to_json(p);
  EXPECT_NE(json.find("\"crossover_bytes\": null"), std::string::npos) << json;
  auto back = parse_profile(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->crossover_bytes, never_share);
  EXPECT_EQ(back->measured_crossover_bytes, -1);
}

TEST(Profile, EveryTruncationIsRejected) {
  const std::string json = to_json(calibrated_profile());
  // Every proper prefix that still ends before the closing brace is broken JSON.
  const std::size_t end = json.rfind('}');
  for (std::size_t n = 0; n < end; ++n) {
    auto r = parse_profile(std::string_view(json).substr(0, n));
    EXPECT_FALSE(r) << "accepted a profile cut at byte " << n;
  }
}

TEST(Profile, HostileContentIsRejectedWithAReason) {
  const std::string good = to_json(calibrated_profile());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::string bad[] = {
      "",
      "null",
      "[]",
      "\"missive-profile\"",
      "{}",
      with("\"missive-profile\"", "\"other\""),
      with("\"format\": \"missive-profile\"", "\"format\": 7"),
      with("\"version\": 1", "\"version\": \"1\""),
      with("\"version\": 1", "\"version\": 1.5"),
      with("\"sigma_ns\": 11000.0", "\"sigma_ns\": \"fast\""),
      with("\"sigma_ns\": 11000.0", "\"sigma_ns\": -1"),
      with("\"sigma_ns\": 11000.0", "\"sigma_ns\": 1e400"),
      with("\"sigma_ns\": 11000.0", "\"sigma_ns\": null"),
      with("\"sigma_ns\": 11000.0", "\"sigma_nz\": 11000.0"),
      with("\"bk_gbps\": 9.5", "\"bk_gbps\": 0"),
      with("\"bcc_gbps\": 21.0", "\"bcc_gbps\": 1e30"),
      with("\"crossover_bytes\": 6500", "\"crossover_bytes\": -5"),
      with("\"crossover_bytes\": 6500", "\"crossover_bytes\": 1e300"),
      with("\"crossover_bytes\": 6500", "\"crossover_bytes\": [6500]"),
      with("\"crossover_bytes\": 6500", "\"crossover_byte\": 6500"),
      with("\"parameters\": {", "\"parameters\": [], \"x\": {"),
      good + "garbage",
      std::string(1000, '[') + std::string(1000, ']'),
      "{\"format\": \"missive-profile\", \"version\": 1, \"parameters\": " + std::string(20000, '[') + "}",
      "{\"format\": \"missive-profile\"\0, \"version\": 1}"s,
      "{\"format\": \"missive-profile\", \"version\": 1, \"host\": \"\xff\xfe\"}",
  };
  for (const std::string& text : bad) {
    auto r = parse_profile(text);
    ASSERT_FALSE(r) << "accepted: " << text.substr(0, 200);
    EXPECT_TRUE(r.code() == Errc::malformed_record || r.code() == Errc::unsupported_version) << text.substr(0, 200);
    EXPECT_FALSE(std::string(r.error().detail).empty());
  }
  EXPECT_EQ(parse_profile(with("\"version\": 1", "\"version\": 2")).code(), Errc::unsupported_version);
  EXPECT_EQ(parse_profile(good + std::string(max_profile_bytes, ' ')).code(), Errc::too_large);
}

TEST(Profile, UnknownKeysAreIgnored) {
  std::string json = to_json(calibrated_profile());
  json.insert(1, "\"added_in_v1_5\": {\"nested\": [1, 2, 3]}, ");
  auto r = parse_profile(json);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->crossover_bytes, 6500u);
}

TEST_F(ProfileFiles, StoreThenLoad) {
  const std::string path = dir_ + "/nested/missive/profile.json";  // parents created
  ASSERT_TRUE(store_profile(calibrated_profile(), path));
  auto back = load_profile(path);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->parameters, calibrated_profile().parameters);
  // Overwriting replaces the file whole.
  Profile other = calibrated_profile();
  other.crossover_bytes = 12345;
  ASSERT_TRUE(store_profile(other, path));
  EXPECT_EQ(load_profile(path)->crossover_bytes, 12345u);
}

TEST_F(ProfileFiles, LoadErrors) {
  EXPECT_EQ(load_profile(dir_ + "/missing.json").code(), Errc::not_found);
  EXPECT_EQ(load_profile(dir_ + "/missing/dir/x.json").code(), Errc::not_found);
  EXPECT_EQ(load_profile(dir_).code(), Errc::invalid_argument);  // a directory
  EXPECT_EQ(load_profile(write("big.json", std::string(max_profile_bytes + 1, ' '))).code(), Errc::too_large);
  const std::string json = to_json(calibrated_profile());
  EXPECT_EQ(load_profile(write("cut.json", json.substr(0, json.size() / 2))).code(), Errc::malformed_record);
  EXPECT_EQ(load_profile(write("empty.json", "")).code(), Errc::malformed_record);
  EXPECT_EQ(load_profile("/dev/null").code(), Errc::invalid_argument);  // not a regular file
}

TEST(ProfilePath, LookupOrder) {
  // Save and restore the environment this test changes.
  struct Saved {
    const char* name;
    std::string value;
    bool set;
  };
  Saved saved[] = {{"MISSIVE_PROFILE", {}, false}, {"XDG_CONFIG_HOME", {}, false}, {"HOME", {}, false}};
  for (Saved& s : saved) {
    if (const char* v = std::getenv(s.name)) {
      s.value = v;
      s.set = true;
    }
  }
  ::setenv("MISSIVE_PROFILE", "/x/explicit.json", 1);
  ::setenv("XDG_CONFIG_HOME", "/x/config", 1);
  ::setenv("HOME", "/x/home", 1);
  EXPECT_EQ(*profile_path(), "/x/explicit.json");
  ::unsetenv("MISSIVE_PROFILE");
  EXPECT_EQ(*profile_path(), "/x/config/missive/profile.json");
  ::setenv("XDG_CONFIG_HOME", "relative", 1);  // the XDG spec says: ignore relative paths
  EXPECT_EQ(*profile_path(), "/x/home/.config/missive/profile.json");
  ::unsetenv("XDG_CONFIG_HOME");
  ::unsetenv("HOME");
  EXPECT_EQ(profile_path().code(), Errc::invalid_argument);
  for (const Saved& s : saved) {
    if (s.set) {
      ::setenv(s.name, s.value.c_str(), 1);
    } else {
      ::unsetenv(s.name);
    }
  }
}

}  // namespace
}  // namespace missive::costmodel
