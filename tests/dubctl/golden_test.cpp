// Golden media descriptors (golden.hpp) against a real file, the 6 s fixture (H.264 Main 320x240 at
// 25 fps, 150 packets; AAC LC 48 kHz mono, 283 packets): the defaults --write-golden gives, the file
// read back, a wrong field failing by name, a value within its tolerance passing, and
// --update-golden keeping the tolerances.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "dub/util/error.hpp"
#include "golden.hpp"
#include "scenario.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(DUB_SOURCE_DIR) / "fixtures/test_streams/6s-hello-world.mp4";

dub::media::MediaInfo probed() {
  return dub::media::probe(kFixture.string(), {.count_packets = true});
}

class GoldenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-golden-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    info_ = probed();
    dubctl::write_golden(file(), dubctl::describe_golden(info_));
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] fs::path file() const { return dir_ / "hello.yaml"; }
  [[nodiscard]] std::string text() const {
    std::ifstream in(file());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Replaces the first match of `pattern` in the golden file.
  void edit(const std::string& pattern, const std::string& with) const {
    const auto before = text();
    const auto after = std::regex_replace(before, std::regex(pattern), with, std::regex_constants::format_first_only);
    ASSERT_NE(before, after) << pattern << " not in\n" << before;
    std::ofstream(file()) << after;
  }
  [[nodiscard]] std::vector<std::string> problems() const {
    return dubctl::compare_golden(dubctl::load_golden(file()), dubctl::describe_golden(info_));
  }

  fs::path dir_;
  dub::media::MediaInfo info_;
};

TEST(GoldenDescribe, ExactForCodecsAndSizesToleranceForTimesAndCounts) {
  const auto g = dubctl::describe_golden(probed());
  ASSERT_EQ(g.streams.size(), 2U);
  const auto& video = g.streams[0];
  EXPECT_EQ(video.find("codec")->text, "h264");
  EXPECT_EQ(video.find("profile")->text, "Main");
  EXPECT_EQ(video.find("width")->value, 320);
  EXPECT_FALSE(video.find("width")->tolerance);
  EXPECT_FALSE(video.find("has_b_frames")->tolerance);
  EXPECT_EQ(video.find("has_b_frames")->value, 0);
  EXPECT_DOUBLE_EQ(*video.find("frame_rate")->tolerance, 0.25);  // 1% of 25 fps
  EXPECT_DOUBLE_EQ(*video.find("duration")->tolerance, 0.5);
  EXPECT_EQ(video.find("packets")->value, 150);
  EXPECT_EQ(*video.find("packets")->tolerance, 13);  // what 0.5 s holds at 25 packets/s, rounded up
  const auto& audio = g.streams[1];
  EXPECT_EQ(audio.find("sample_rate")->value, 48000);
  EXPECT_EQ(audio.find("channels")->value, 1);
  EXPECT_EQ(audio.find("packets")->value, 283);
  EXPECT_EQ(*audio.find("packets")->tolerance, 24);  // 283 / 6 s * 0.5 s = 23.6
  EXPECT_EQ(audio.find("width"), nullptr);
  EXPECT_EQ(g.media.find("container")->text, "mov,mp4,m4a,3gp,3g2,mj2");
}

TEST(GoldenDescribe, NumbersAreWrittenAsIntegersOrUpToThreeDecimals) {
  EXPECT_EQ(dubctl::golden_number(30), "30");
  EXPECT_EQ(dubctl::golden_number(29.97002997), "29.97");
  EXPECT_EQ(dubctl::golden_number(30.0164), "30.016");
  EXPECT_EQ(dubctl::golden_number(-0.0001), "0");
  EXPECT_EQ(dubctl::golden_number(-1.5), "-1.5");
}

TEST_F(GoldenFile, ReadsBackAndMatchesItsOwnMedia) {
  EXPECT_NE(text().find("  - type: video\n    codec: h264\n    profile: Main\n    language: und\n    width: 320\n"),
            std::string::npos)
      << text();
  EXPECT_NE(text().find("    duration: {value: 6, tolerance: 0.5}\n"), std::string::npos) << text();
  EXPECT_TRUE(problems().empty()) << ::testing::PrintToString(problems());
}

TEST_F(GoldenFile, AWrongExactFieldFailsNamingIt) {
  edit("width: 320", "width: 640");
  edit("codec: aac", "codec: mp3");
  const auto p = problems();
  ASSERT_EQ(p.size(), 2U) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], "streams[0].width (video): expected 640, got 320 (exact)");
  EXPECT_EQ(p[1], "streams[1].codec (audio): expected mp3, got aac (exact)");
}

TEST_F(GoldenFile, AValueOutsideItsToleranceFailsInsidePasses) {
  edit("packets: \\{value: 150, tolerance: 13\\}", "packets: {value: 160, tolerance: 13}");  // off by 10: fine
  EXPECT_TRUE(problems().empty()) << ::testing::PrintToString(problems());
  edit("packets: \\{value: 160, tolerance: 13\\}", "packets: {value: 170, tolerance: 13}");  // off by 20
  const auto p = problems();
  ASSERT_EQ(p.size(), 1U) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], "streams[0].packets (video): expected 170 ± 13, got 150, off by -20");
}

TEST_F(GoldenFile, ADurationWithItsToleranceAndAMissingStream) {
  edit("duration: \\{value: 6, tolerance: 0.5\\}", "duration: {value: 6.4, tolerance: 0.5}");  // the container's
  EXPECT_TRUE(problems().empty()) << ::testing::PrintToString(problems());
  edit("duration: \\{value: 6.4, tolerance: 0.5\\}", "duration: {value: 7, tolerance: 0.5}");
  const auto t = text();
  std::ofstream(file()) << t.substr(0, t.find("  - type: audio"));  // the golden knows the video only
  const auto p = problems();
  ASSERT_EQ(p.size(), 2U) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], "duration: expected 7 ± 0.5, got 6, off by -1");
  EXPECT_EQ(p[1], "streams: expected 1, got 2");
}

TEST_F(GoldenFile, AFieldLeftOutIsNotChecked) {
  edit("    width: 320\n", "");
  info_.streams[0].width = 640;
  EXPECT_TRUE(problems().empty()) << ::testing::PrintToString(problems());
}

TEST_F(GoldenFile, MalformedFilesNameFileLineAndKey) {
  edit("width: 320", "widht: 320");
  edit("tolerance: 0.5", "tolerance: -1");
  try {
    (void)dubctl::load_golden(file());
    FAIL() << "a malformed golden file was read";
  } catch (const dubctl::ScenarioError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file().string() + ":6: duration.tolerance: must be 0 or more"), std::string::npos) << what;
    EXPECT_NE(what.find(":13: streams[0].widht: unknown key; did you mean width?"), std::string::npos) << what;
  }
}

TEST_F(GoldenFile, AMissingFileSaysHowToWriteOne) {
  try {
    (void)dubctl::load_golden(dir_ / "none.yaml");
    FAIL() << "a missing golden file was read";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--write-golden"), std::string::npos) << e.what();
  }
}

TEST_F(GoldenFile, UpdateKeepsTolerancesAndLeftOutFields) {
  edit("packets: \\{value: 150, tolerance: 13\\}", "packets: {value: 100, tolerance: 2}");
  edit("width: 320", "width: 640");
  edit("    profile: Main\n", "");
  std::vector<std::string> changes;
  const auto updated = dubctl::update_golden(dubctl::load_golden(file()), dubctl::describe_golden(info_), changes);
  EXPECT_EQ(changes, (std::vector<std::string>{"streams[0].width (video): 640 -> 320",
                                               "streams[0].packets (video): 100 -> 150"}));
  const auto& video = updated.streams[0];
  EXPECT_EQ(video.find("packets")->value, 150);
  EXPECT_EQ(*video.find("packets")->tolerance, 2);  // kept
  EXPECT_EQ(video.find("profile"), nullptr);        // still left out
  EXPECT_TRUE(dubctl::compare_golden(updated, dubctl::describe_golden(info_)).empty());
}

TEST_F(GoldenFile, CheckGoldenComparesOrRewrites) {
  edit("sample_rate: 48000", "sample_rate: 44100");
  auto outcome = dubctl::check_golden(file(), "hello.yaml", info_, false);
  EXPECT_EQ(outcome.problems,
            std::vector<std::string>{"golden streams[1].sample_rate (audio): expected 44100, got 48000 (exact)"});
  outcome = dubctl::check_golden(file(), "hello.yaml", info_, true);
  EXPECT_TRUE(outcome.problems.empty());
  EXPECT_EQ(outcome.note, "golden hello.yaml rewritten: streams[1].sample_rate (audio): 44100 -> 48000");
  EXPECT_TRUE(dubctl::check_golden(file(), "hello.yaml", info_, false).problems.empty());
  const auto fresh = dir_ / "sub" / "new.yaml";
  EXPECT_EQ(dubctl::check_golden(fresh, "new.yaml", info_, true).note,
            "golden new.yaml rewritten: new file, default tolerances");
  EXPECT_TRUE(dubctl::check_golden(fresh, "new.yaml", info_, false).problems.empty());
}

}  // namespace
