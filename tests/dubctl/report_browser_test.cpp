// report.html as a browser shows it: rendered by headless Chromium (Debian package `chromium`,
// installed by scripts/bootstrap), its DOM checked for the key elements, and a screenshot taken.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/process/search_path.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "redact.hpp"
#include "report.hpp"
#include "stacks.hpp"

namespace fs = std::filesystem;

namespace {

using dubctl::report::FragmentRow;
using dubctl::report::ScenarioReport;

ScenarioReport pipeline_scenario() {
  ScenarioReport s;
  s.name = "full-pipeline";
  s.description = "30 s English fixture -> dubbed Spanish output";
  s.passed = true;
  s.time_s = 57.5;
  s.has_media = true;
  for (int i = 0; i < 5; ++i) {
    FragmentRow f;
    f.sequence_number = i;
    f.start_s = 6.0 * i;
    f.end_s = f.start_s + 6;
    f.transcript = "nineteen, twenty & <twenty-one>";
    f.translated_text = "diecinueve, veinte, veintiún";
    f.asr_ms = 1500 + 100 * i;
    f.mt_ms = 120;
    f.tts_ms = 60;
    f.queue_ms = 1;
    f.processing_ms = *f.asr_ms + 180;
    f.roundtrip_ms = *f.processing_ms + 40;
    f.status = "success";
    f.state = i == 3 ? "passthrough" : "dubbed";
    s.fragments.push_back(f);
  }
  std::vector<std::int16_t> pcm(std::size_t{8000} * 30);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<std::int16_t>(12000 * std::sin(0.07 * static_cast<double>(i)) *
                                       static_cast<double>((i / 4000) % 2));
  }
  s.original_wave = dubctl::report::make_envelope(pcm, 8000, 1, 0, 1000);
  s.dubbed_wave = dubctl::report::make_envelope(pcm, 8000, 1, 0.02, 1000);
  s.alignment = "Aligned on identical video packets.";
  for (int i = 0; i < 300; ++i) s.drift_ms.push_back({0.1 * i, -22 + 5 * std::sin(0.1 * i)});
  s.max_drift_ms = 27;
  s.similarity = 0.55;
  for (int i = 0; i < 58; ++i) s.similarity_series.push_back({0.5 * i + 1, 0.5 + 0.05 * std::sin(i)});
  s.input_duration_s = 30;
  s.output_duration_s = 30.02;
  return s;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (boost::process::search_path("chromium").empty()) {
      GTEST_SKIP() << "chromium is not installed (scripts/bootstrap installs the Debian package)";
    }
    dir_ = fs::temp_directory_path() / ("dub-report-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(ReportBrowserTest, ChromiumRendersTheKeyElements) {
  dubctl::report::RunReport run;
  run.started_at = "2026-01-01 12:00:00";
  run.scenarios = {pipeline_scenario()};
  ScenarioReport failed;
  failed.name = "sts-alone";
  failed.description = "STS alone";
  failed.failure = "http://localhost:3000/health did not answer HTTP 200 within 60s";
  run.scenarios.push_back(failed);
  const auto html = dir_ / "report.html";
  dubctl::report::write_html(html, run, dubctl::Redactor{});

  const auto dom =
      dubctl::run_command({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--user-data-dir=" + (dir_ / "profile").string(), "--dump-dom", "file://" + html.string()});
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  const auto& text = dom.output;
  for (const char* element : {"id=\"summary\"", "id=\"scenario-full-pipeline\"", "id=\"scenario-sts-alone\"",
                              "<table id=\"fragments-full-pipeline\"", "<svg id=\"plot-waveform-full-pipeline\"",
                              "<svg id=\"plot-latency-full-pipeline\"", "<svg id=\"plot-drift-full-pipeline\"",
                              "<svg id=\"plot-similarity-full-pipeline\"", "Failing assertion"}) {
    EXPECT_NE(text.find(element), std::string::npos) << element << " not in the DOM Chromium built";
  }
  // The fragment rows, and the escaped transcript back as text (the browser re-escapes it).
  std::size_t rows = 0;
  for (auto at = text.find("<tr class=\""); at != std::string::npos; at = text.find("<tr class=\"", at + 1)) ++rows;
  EXPECT_EQ(rows, 5U);
  EXPECT_NE(text.find("nineteen, twenty &amp; &lt;twenty-one&gt;"), std::string::npos);
  EXPECT_EQ(text.find("<twenty-one>"), std::string::npos);

  // A screenshot of the whole page: a PNG of the asked size with something drawn on it.
  const auto png = dir_ / "report.png";
  const int height = dubctl::report::estimated_height(run);
  const auto why_not = dubctl::report::screenshot(html, png, 1280, height);
  ASSERT_TRUE(why_not.empty()) << why_not;
  std::ifstream in(png, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  ASSERT_EQ(head.substr(1, 3), "PNG");
  const auto be32 = [&head](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(head[at])) << 24U) |
           (static_cast<unsigned>(static_cast<unsigned char>(head[at + 1])) << 16U) |
           (static_cast<unsigned>(static_cast<unsigned char>(head[at + 2])) << 8U) |
           static_cast<unsigned>(static_cast<unsigned char>(head[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280U);
  EXPECT_EQ(be32(20), static_cast<unsigned>(height));
  // An empty page of this size compresses to a few kB; plots and text make it far larger.
  EXPECT_GT(fs::file_size(png), 40000U);
}

}  // namespace
