// Fault injection (faults.hpp): off by default, refused unless MEDIA_FAULTS_ENABLED=1, each switch
// parsed strictly, and the helpers break exactly what they say.
#include "faults.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "config.hpp"
#include "dub/util/error.hpp"
#include "segmenter.hpp"

namespace {

using dub::media_service::Faults;
using dub::media_service::PcmFragment;
using dub::media_service::ServiceConfig;
using namespace std::chrono_literals;

const std::vector<const char*> kVariables = {
    "MEDIA_FAULTS_ENABLED",        "MEDIA_FAULT_AUDIO_SHIFT_MS", "MEDIA_FAULT_AUDIO_DRIFT_PPM",
    "MEDIA_FAULT_OUTPUT_LIMIT_MS", "MEDIA_FAULT_DROP_FRAGMENT",  "MEDIA_FAULT_AUDIO_CODEC",
    "MEDIA_FAULT_OUTPUT_HOLD_MS",  "MEDIA_FAULT_INPUT_DELAY_MS", "MEDIA_FAULT_LEAK_MB"};

// Every fault variable unset for the test, and again afterwards.
class FaultsEnv : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* name : kVariables) unsetenv(name);
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }
  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const dub::Error& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST_F(FaultsEnv, OffByDefault) {
  const auto f = Faults::from_env();
  EXPECT_FALSE(f.enabled);
  EXPECT_FALSE(f.any());
  EXPECT_EQ(f.to_json(), nlohmann::json::object());
  EXPECT_EQ(ServiceConfig::from_env().faults.any(), false);
  EXPECT_EQ(ServiceConfig::from_env().to_json()["faults"], nlohmann::json::object());
}

TEST_F(FaultsEnv, EnabledAloneBreaksNothing) {
  set("MEDIA_FAULTS_ENABLED", "1");
  const auto f = Faults::from_env();
  EXPECT_TRUE(f.enabled);
  EXPECT_FALSE(f.any());
}

TEST_F(FaultsEnv, EachFaultIsRefusedWithoutTheEnablingSwitch) {
  const std::vector<std::pair<const char*, const char*>> faults = {
      {"MEDIA_FAULT_AUDIO_SHIFT_MS", "200"},   {"MEDIA_FAULT_OUTPUT_LIMIT_MS", "3000"},
      {"MEDIA_FAULT_DROP_FRAGMENT", "0"},      {"MEDIA_FAULT_AUDIO_CODEC", "mp3"},
      {"MEDIA_FAULT_OUTPUT_HOLD_MS", "2000"},  {"MEDIA_FAULT_INPUT_DELAY_MS", "7000"},
      {"MEDIA_FAULT_AUDIO_DRIFT_PPM", "1000"}, {"MEDIA_FAULT_LEAK_MB", "20"}};
  for (const auto& [name, value] : faults) {
    clear();
    set(name, value);
    const auto message = error_of([] { (void)Faults::from_env(); });
    EXPECT_NE(message.find(std::string(name) + "=" + value), std::string::npos) << message;
    EXPECT_NE(message.find("refused unless MEDIA_FAULTS_ENABLED=1"), std::string::npos) << message;
    // The service's own configuration refuses it too: main() exits at startup with this message.
    EXPECT_EQ(error_of([] { (void)ServiceConfig::from_env(); }), message);
    set("MEDIA_FAULTS_ENABLED", "0");
    EXPECT_EQ(error_of([] { (void)Faults::from_env(); }), message);
  }
}

TEST_F(FaultsEnv, TheRefusalNamesEveryFaultSet) {
  set("MEDIA_FAULT_AUDIO_SHIFT_MS", "200");
  set("MEDIA_FAULT_AUDIO_CODEC", "mp3");
  const auto message = error_of([] { (void)Faults::from_env(); });
  EXPECT_NE(message.find("MEDIA_FAULT_AUDIO_SHIFT_MS=200, MEDIA_FAULT_AUDIO_CODEC=mp3"), std::string::npos) << message;
}

TEST_F(FaultsEnv, EnabledFaultsAreRead) {
  set("MEDIA_FAULTS_ENABLED", "1");
  set("MEDIA_FAULT_AUDIO_SHIFT_MS", "200");
  set("MEDIA_FAULT_OUTPUT_LIMIT_MS", "3000");
  set("MEDIA_FAULT_DROP_FRAGMENT", "2");
  set("MEDIA_FAULT_AUDIO_CODEC", "mp3");
  set("MEDIA_FAULT_OUTPUT_HOLD_MS", "2000");
  set("MEDIA_FAULT_INPUT_DELAY_MS", "7000");
  const auto f = ServiceConfig::from_env().faults;
  EXPECT_TRUE(f.any());
  EXPECT_EQ(f.audio_shift, 200ms);
  EXPECT_EQ(f.output_limit, 3000ms);
  ASSERT_TRUE(f.drop_fragment.has_value());
  EXPECT_EQ(*f.drop_fragment, 2U);
  EXPECT_EQ(f.audio_codec, "mp3");
  EXPECT_EQ(f.output_hold, 2000ms);
  EXPECT_EQ(f.input_delay, 7000ms);
  EXPECT_EQ(f.to_json(), (nlohmann::json{{"audio_shift_ms", 200},
                                         {"output_limit_ms", 3000},
                                         {"drop_fragment", 2},
                                         {"audio_codec", "mp3"},
                                         {"output_hold_ms", 2000},
                                         {"input_delay_ms", 7000}}));
}

TEST_F(FaultsEnv, MalformedValuesNameTheVariable) {
  set("MEDIA_FAULTS_ENABLED", "1");
  const std::vector<std::pair<const char*, const char*>> bad = {
      {"MEDIA_FAULT_AUDIO_SHIFT_MS", "-5"},    {"MEDIA_FAULT_AUDIO_SHIFT_MS", "200ms"},
      {"MEDIA_FAULT_OUTPUT_LIMIT_MS", "soon"}, {"MEDIA_FAULT_DROP_FRAGMENT", "-1"},
      {"MEDIA_FAULT_AUDIO_CODEC", "opus"},     {"MEDIA_FAULT_OUTPUT_HOLD_MS", "61000"},
      {"MEDIA_FAULT_INPUT_DELAY_MS", "-1"},    {"MEDIA_FAULT_AUDIO_DRIFT_PPM", "100001"},
      {"MEDIA_FAULT_LEAK_MB", "1025"}};
  for (const auto& [name, value] : bad) {
    for (const char* n : kVariables) {
      if (std::string(n) != "MEDIA_FAULTS_ENABLED") unsetenv(n);
    }
    set(name, value);
    const auto message = error_of([] { (void)Faults::from_env(); });
    EXPECT_NE(message.find(name), std::string::npos) << name << "=" << value << ": " << message;
  }
  clear();
  set("MEDIA_FAULTS_ENABLED", "maybe");
  EXPECT_NE(error_of([] { (void)Faults::from_env(); }).find("MEDIA_FAULTS_ENABLED"), std::string::npos);
}

PcmFragment fragment(std::int64_t pts_ns, int seconds) {
  PcmFragment a;
  a.sample_rate = 48000;
  a.channels = 2;
  a.pts_ns = pts_ns;
  a.duration_ns = seconds * 1'000'000'000LL;
  a.samples.assign(std::size_t{96000} * static_cast<std::size_t>(seconds), 7);
  return a;
}

TEST(Faults, NoOutputLimitKeepsEveryFragmentWhole) {
  const Faults f;
  auto a = fragment(0, 6);
  EXPECT_TRUE(f.clip_to_output_limit(a, 600'000'000'000));
  EXPECT_EQ(a.frames(), 288000U);
  EXPECT_TRUE(f.output_unlimited());
}

TEST(Faults, TheOutputLimitCutsTheFragmentAcrossItAndDropsTheRest) {
  Faults f;
  f.output_limit = 3000ms;
  auto before = fragment(0, 2);
  EXPECT_TRUE(f.clip_to_output_limit(before, 0));
  EXPECT_EQ(before.frames(), 96000U);  // wholly before the limit: untouched
  auto across = fragment(5'000'000'000, 6);
  EXPECT_TRUE(f.clip_to_output_limit(across, 2'000'000'000));
  EXPECT_EQ(across.frames(), 48000U);  // 1 s of it is before the limit
  EXPECT_EQ(across.samples.size(), 96000U);
  EXPECT_EQ(across.duration_ns, 1'000'000'000);
  EXPECT_EQ(across.end_pts_ns(), 6'000'000'000);
  auto after = fragment(8'000'000'000, 6);
  EXPECT_FALSE(f.clip_to_output_limit(after, 3'000'000'000));
  EXPECT_FALSE(f.output_unlimited());
}

TEST(Faults, TheAudioShiftDelaysEveryAudioTimestamp) {
  Faults f;
  EXPECT_EQ(f.audio_ts(2'000'000'000), 2'000'000'000U);
  f.audio_shift = 200ms;
  EXPECT_EQ(f.audio_ts(0), 200'000'000U);
  EXPECT_EQ(f.audio_ts(2'000'000'000), 2'200'000'000U);
}

// A clock that runs slow: the later the audio, the further behind it is (60 ms a minute at 1000 ppm).
TEST(Faults, TheAudioDriftGrowsWithTime) {
  Faults f;
  f.audio_drift_ppm = 1000;
  EXPECT_EQ(f.audio_ts(0), 0U);
  EXPECT_EQ(f.audio_ts(60'000'000'000), 60'060'000'000U);
  f.audio_shift = 200ms;
  EXPECT_EQ(f.audio_ts(6'000'000'000), 6'206'000'000U);
  EXPECT_EQ(f.to_json(), (nlohmann::json{{"audio_shift_ms", 200}, {"audio_drift_ppm", 1000}}));
  EXPECT_TRUE(f.any());
}

TEST(Faults, TheLeakKeepsWhatEachFragmentLeft) {
  Faults off;
  EXPECT_EQ(off.leak(), 0U);  // off: nothing allocated
  Faults f;
  f.leak_mb = 1;
  const auto first = f.leak();
  EXPECT_GE(first, 1U);
  EXPECT_EQ(f.leak(), first + 1);  // each call leaves one more MB for good
  EXPECT_EQ(f.to_json(), (nlohmann::json{{"leak_mb", 1}}));
  EXPECT_TRUE(f.any());
}

TEST(Faults, DropsOnlyTheNamedFragment) {
  Faults f;
  EXPECT_FALSE(f.drops(0));
  f.drop_fragment = 2;
  EXPECT_FALSE(f.drops(1));
  EXPECT_TRUE(f.drops(2));
  EXPECT_FALSE(f.drops(3));
}

TEST(Faults, TheWrongCodecReplacesTheAacElements) {
  Faults f;
  EXPECT_FALSE(f.audio_elements().has_value());
  f.audio_codec = "mp3";
  const auto elements = f.audio_elements();
  ASSERT_TRUE(elements.has_value());
  EXPECT_EQ(elements->encoder, "lamemp3enc");
  EXPECT_EQ(elements->parser, "mpegaudioparse");
  EXPECT_EQ(elements->sample_rate, 44100);  // FLV carries MP3 at 44.1 kHz at most
}

}  // namespace
