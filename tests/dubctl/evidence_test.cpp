#include "evidence.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "dub/media/probe.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(DUB_SOURCE_DIR) / "fixtures" / "test_streams";

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dub-evidence-" + std::to_string(::getpid()));
    artifacts_ = root_ / "out";
    fs::create_directories(artifacts_);
    scenario_.name = "full-pipeline";
    scenario_.description = "test";
    scenario_.file = "scenarios/full_pipeline.yaml";
    tc_.name = "full-pipeline";
    tc_.time_s = 12.5;
    ev_.stream = "full-pipeline-1-1";
    ev_.fixture = kFixtures / "30s-english-speech.mp4";
    ev_.monitored = true;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  // Puts `files` where MediaMTX records the stream's output, as its segments in this order.
  void record(const std::vector<fs::path>& files) {
    const auto dir = dubctl::recording_dir(root_, ev_.stream);
    fs::create_directories(dir);
    int n = 0;
    for (const auto& f : files) fs::copy_file(f, dir / ("2026-01-01_12-00-0" + std::to_string(n++) + "-000000.mp4"));
  }
  fs::path root_;
  fs::path artifacts_;
  dubctl::Scenario scenario_;
  dubctl::TestCase tc_;
  dubctl::ScenarioEvidence ev_;
};

TEST_F(EvidenceTest, MakesTheArtifactsAndTheFiguresFromTheRecording) {
  // A "dubbed" output that is the input itself: everything lines up and sounds the same.
  record({kFixtures / "30s-english-speech.mp4"});
  ev_.summaries = {{{"stream_id", ev_.stream},
                    {"sequence_number", 0},
                    {"fragment_id", "f-0"},
                    {"pts_ns", 0},
                    {"duration_ns", 6000000000LL},
                    {"transcript", "one, two"},
                    {"translated_text", "uno, dos"},
                    {"stage_timings_ms", {{"asr", 400.5}, {"translation", 120.0}, {"tts", 50.0}}},
                    {"queue_time_ms", 1.5},
                    {"processing_time_ms", 575.0},
                    {"status", "success"}}};
  ev_.worker = {{"fragments",
                 {{{"sequence_number", 0}, {"latency_ms", 700.0}, {"state", "dubbed"}, {"status", "success"}},
                  {{"sequence_number", 1},
                   {"pts_ns", 6000000000LL},
                   {"duration_ns", 6000000000LL},
                   {"latency_ms", nullptr},
                   {"state", "passthrough"},
                   {"status", nullptr},
                   {"translated_text", "tres"},
                   {"passthrough_reason", "timeout"}}}}};
  const auto r = dubctl::build_scenario_report(scenario_, tc_, ev_, 1, root_, artifacts_);

  EXPECT_TRUE(r.has_media);
  ASSERT_EQ(r.artifacts.size(), 2U);
  EXPECT_EQ(r.artifacts[0].second, "full-pipeline/dubbed.mp4");
  EXPECT_EQ(r.artifacts[1].second, "full-pipeline/original.mp4");
  EXPECT_TRUE(fs::exists(artifacts_ / "full-pipeline" / "dubbed.mp4"));
  EXPECT_NEAR(dub::media::probe((artifacts_ / "full-pipeline" / "original.mp4").string()).span_s(), 30.0, 0.05);
  ASSERT_TRUE(r.output_duration_s && r.input_duration_s);
  EXPECT_NEAR(*r.output_duration_s, 30.0, 0.05);
  EXPECT_NEAR(*r.input_duration_s, 30.0, 0.05);

  EXPECT_NE(r.alignment.find("matched"), std::string::npos) << r.alignment;
  ASSERT_TRUE(r.original_wave && r.dubbed_wave);
  EXPECT_NEAR(r.original_wave->start_s, 0.0, 0.002);
  EXPECT_NEAR(r.dubbed_wave->end_s(), 30.0, 0.1);
  EXPECT_FALSE(r.drift_ms.empty());
  ASSERT_TRUE(r.max_drift_ms);
  EXPECT_LT(*r.max_drift_ms, 50.0);
  // The same audio: the whole file and every window are alike.
  ASSERT_TRUE(r.similarity);
  EXPECT_GT(*r.similarity, 0.95);
  ASSERT_GT(r.similarity_series.size(), 40U);
  const auto lowest = std::min_element(r.similarity_series.begin(), r.similarity_series.end(),
                                       [](const auto& a, const auto& b) { return a.y < b.y; });
  EXPECT_GT(lowest->y, 0.9);

  // One row per fragment: STS's figures and the media service's, merged by sequence.
  ASSERT_EQ(r.fragments.size(), 2U);
  EXPECT_EQ(r.fragments[0].transcript, "one, two");
  EXPECT_DOUBLE_EQ(*r.fragments[0].asr_ms, 400.5);
  EXPECT_DOUBLE_EQ(*r.fragments[0].roundtrip_ms, 700.0);
  EXPECT_EQ(r.fragments[0].state, "dubbed");
  EXPECT_EQ(r.fragments[1].state, "passthrough");
  EXPECT_EQ(r.fragments[0].status, "success");
  EXPECT_EQ(r.fragments[1].status, "");
  EXPECT_EQ(r.fragments[1].translated_text, "tres");  // from the worker: no STS summary for it
  EXPECT_FALSE(r.fragments[1].roundtrip_ms);
  EXPECT_NE(r.fragments[1].error.find("timeout"), std::string::npos);
  EXPECT_DOUBLE_EQ(r.fragments[1].start_s, 6.0);
}

TEST_F(EvidenceTest, JoinsSegmentsAndPlacesTheInputOnTheOutputTimeline) {
  // Two segments: 6 s of another clip, then the input. The input starts ~6 s into the output.
  record({kFixtures / "6s-hello-world.mp4", kFixtures / "30s-english-speech.mp4"});
  const auto r = dubctl::build_scenario_report(scenario_, tc_, ev_, 2, root_, artifacts_);
  EXPECT_TRUE(fs::exists(artifacts_ / "full-pipeline" / "dubbed-2.mp4"));
  ASSERT_TRUE(r.output_duration_s);
  EXPECT_NEAR(*r.output_duration_s, 36.0, 0.1);
  ASSERT_TRUE(r.original_wave);
  EXPECT_NEAR(r.original_wave->start_s, 6.0, 0.05);
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("joins 2 recording segments") != std::string::npos;
  }));
  // Where the input plays, the output is the input.
  for (const auto& p : r.similarity_series) {
    if (p.x > 8 && p.x < 34) {
      EXPECT_GT(p.y, 0.85) << "at " << p.x;  // same audio, sampled at another phase; unrelated is ~0.5
    }
  }
}

TEST_F(EvidenceTest, AMissingRecordingIsSaidNotHidden) {
  const auto r = dubctl::build_scenario_report(scenario_, tc_, ev_, 1, root_, artifacts_);
  EXPECT_TRUE(r.has_media);
  EXPECT_FALSE(r.dubbed_wave);
  EXPECT_TRUE(r.original_wave);  // the input is still known
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("no recording of the dubbed output") != std::string::npos;
  }));
}

TEST_F(EvidenceTest, ScenariosWithoutMediaGetNoPipelineSection) {
  ev_ = {};
  tc_.failure = "boom";
  const auto r = dubctl::build_scenario_report(scenario_, tc_, ev_, 1, root_, artifacts_);
  EXPECT_FALSE(r.has_media);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.failure, "boom");
  EXPECT_TRUE(r.artifacts.empty());
}

}  // namespace
