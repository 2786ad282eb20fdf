// verify heard: the verdict on what the independent judge (dub_judge) heard, window by window.
#include <gtest/gtest.h>

#include "heard.hpp"
#include "scenario_reject.hpp"
#include "sidecar.hpp"
#include "steps/step.hpp"
#include "wer.hpp"

namespace {

nlohmann::json window(int i, const std::string& lang, double p, double p_other, const std::string& text,
                      bool silent = false) {
  nlohmann::json w = {{"index", i},       {"start_s", 6.0 * i},         {"end_s", 6.0 * (i + 1)}, {"rms_dbfs", -20.0},
                      {"silent", silent}, {"text", silent ? "" : text}, {"decode_s", 1.0}};
  if (silent) {
    w["language"] = nullptr;
    w["probability"] = nullptr;
    w["probabilities"] = nlohmann::json::object();
  } else {
    const std::string other = lang == "es" ? "en" : "es";
    w["language"] = lang;
    w["probability"] = p;
    w["probabilities"] = {{lang, p}, {other, p_other}};
  }
  return w;
}

// What the judge hears in a good dub of the 30 s counting fixture (Whisper writes numbers as digits).
nlohmann::json dubbed_counting() {
  return {{"model", "base"},
          {"total_s", 5.0},
          {"windows",
           {window(0, "es", 0.93, 0.02, "Uno, dos, tres, cuatro, cinco, seis."),
            window(1, "es", 0.71, 0.10, "7, 8, 9, 10, 11, 12"),
            window(2, "es", 0.88, 0.05, "Trece, catorce, quince, dieciseis, diecisiete, dieciocho."),
            window(3, "es", 0.41, 0.30, "Diecinueve, veinte, veintiuno, veintidós, veintitrés, veinticuatro."),
            window(4, "es", 0.90, 0.03, "25, 26, 27, 28, 29, 30")}}};
}

nlohmann::json counting_reference() {
  return dubctl::read_sidecar(std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/30s-english-speech.json");
}

// Window 3 is a weak one: p(es) 0.41 against p(en) 0.30, a confidence of 0.58.
dubctl::VerifyHeardStep step(double min_confidence = 0.5, double min_coverage = 0.9) {
  dubctl::VerifyHeardStep s;
  s.min_confidence = min_confidence;
  s.min_coverage = min_coverage;
  return s;
}

TEST(SpanishWords, DigitsAndAccentsCompareWithTheReference) {
  EXPECT_EQ(dubctl::spanish_number_words(21), "veintiuno");
  EXPECT_EQ(dubctl::spanish_number_words(16), "dieciseis");
  EXPECT_EQ(dubctl::spanish_number_words(45), "cuarenta y cinco");
  EXPECT_EQ(dubctl::spanish_number_words(100), "cien");
  EXPECT_EQ(dubctl::spanish_number_words(203), "doscientos tres");
  EXPECT_EQ(dubctl::normalize_words_es("¿Veintidós, 23?  ¡Ñandú!"),
            (std::vector<std::string>{"veintidos", "veintitres", "nandu"}));
}

TEST(Heard, AGoodDubPasses) {
  const auto v = dubctl::judge_heard(dubbed_counting(), step(), counting_reference(), {}, "en");
  EXPECT_TRUE(v.problems.empty()) << v.problems.front();
  ASSERT_EQ(v.windows.size(), 5U);
  EXPECT_DOUBLE_EQ(v.coverage, 1.0);
  EXPECT_EQ(v.expected_words, 30U);
  for (const auto& w : v.windows) EXPECT_EQ(w.verdict, "ok");
}

TEST(Heard, EnglishWhereSpanishWasExpectedFailsNamingTheLanguage) {
  // The STS in echo mode: the "dub" is the original English.
  nlohmann::json heard = dubbed_counting();
  heard["windows"][2] = window(2, "en", 0.95, 0.01, "13, 14, 15, 16, 17, 18.");
  const auto v = dubctl::judge_heard(heard, step(), counting_reference(), {}, "en");
  ASSERT_FALSE(v.problems.empty());
  EXPECT_NE(v.problems.front().find("window 2 (12-18 s): heard 'en' (p=0.95), expected 'es': p(es)=0.01 against "
                                    "p(en)=0.95, confidence 0.01 < 0.50"),
            std::string::npos)
      << v.problems.front();
  EXPECT_LT(v.coverage, 1.0);  // the English window's Spanish words were not heard either
}

TEST(Heard, AWeakSpanishWindowFailsBelowTheBound) {
  const auto v = dubctl::judge_heard(dubbed_counting(), step(0.6, 0), counting_reference(), {}, "en");
  ASSERT_EQ(v.problems.size(), 1U);
  EXPECT_NE(v.problems.front().find("window 3 (18-24 s): heard 'es' (p=0.41), expected 'es': p(es)=0.41 against "
                                    "p(en)=0.30, confidence 0.58 < 0.60"),
            std::string::npos)
      << v.problems.front();
}

TEST(Heard, AnotherTopLanguageCountsWhenSpanishBeatsTheOriginal) {
  // Whisper base takes espeak-ng's Spanish for Italian now and then: the question is Spanish or English.
  nlohmann::json heard = dubbed_counting();
  heard["windows"][1]["language"] = "it";
  heard["windows"][1]["probability"] = 0.79;
  heard["windows"][1]["probabilities"] = {{"it", 0.79}, {"es", 0.16}, {"en", 0.01}};
  const auto v = dubctl::judge_heard(heard, step(), counting_reference(), {}, "en");
  EXPECT_TRUE(v.problems.empty()) << v.problems.front();
  EXPECT_NEAR(v.windows[1].confidence, 0.16 / 0.17, 1e-9);
}

TEST(Heard, APassedThroughWindowMustBeHeardInTheSourceLanguage) {
  nlohmann::json heard = dubbed_counting();
  const auto v = dubctl::judge_heard(heard, step(0.5, 0), counting_reference(), {1}, "en");
  ASSERT_EQ(v.problems.size(), 1U);
  EXPECT_NE(v.problems.front().find("heard 'es' (p=0.71), expected 'en' (passed through): p(en)=0.10 against "
                                    "p(es)=0.71"),
            std::string::npos)
      << v.problems.front();
  heard["windows"][1] = window(1, "en", 0.9, 0.02, "7, 8, 9, 10, 11, 12");
  const auto ok = dubctl::judge_heard(heard, step(0.5, 0.9), counting_reference(), {1}, "en");
  EXPECT_TRUE(ok.problems.empty()) << ok.problems.front();
  EXPECT_EQ(ok.expected_words, 24U);  // the passed-through window's Spanish words are not expected
}

TEST(Heard, SilenceWhereTheOriginalSpeaksFails) {
  nlohmann::json heard = dubbed_counting();
  heard["windows"][4] = window(4, "", 0, 0, "", true);
  const auto v = dubctl::judge_heard(heard, step(0.5, 0), counting_reference(), {}, "en");
  ASSERT_EQ(v.problems.size(), 1U);
  EXPECT_NE(v.problems.front().find("window 4 (24-30 s): silent, but the original has speech here"), std::string::npos)
      << v.problems.front();
}

TEST(Heard, MissingSpanishWordsAreNamed) {
  nlohmann::json heard = dubbed_counting();
  heard["windows"][0]["text"] = "Uno, dos, tres.";
  const auto v = dubctl::judge_heard(heard, step(0.5, 0.95), counting_reference(), {}, "en");
  ASSERT_EQ(v.problems.size(), 1U);
  EXPECT_NE(v.problems.front().find("90% of the expected Spanish words (< 95%); missing: cuatro cinco seis"),
            std::string::npos)
      << v.problems.front();
}

// Whisper base takes espeak-ng's Spanish for Italian on near ties; dub_judge --decode-in es decodes
// such a window again in Spanish ("text") and keeps the Italian decoding ("detected_text"). The
// words are counted from the Spanish one; the window is shown as heard.
TEST(Heard, WordsAreCountedFromTheDubLanguageDecoding) {
  nlohmann::json heard = dubbed_counting();
  auto& w = heard["windows"][0];
  w["language"] = "it";
  w["probability"] = 0.40;
  w["probabilities"] = {{"it", 0.40}, {"es", 0.35}, {"en", 0.03}};
  w["detected_text"] = "Uno, due, tre, quattro, cinque, sei.";
  const auto v = dubctl::judge_heard(heard, step(0.5, 0.95), counting_reference(), {}, "en");
  EXPECT_TRUE(v.problems.empty()) << v.problems.front();
  EXPECT_EQ(v.coverage, 1.0);
  EXPECT_EQ(v.windows[0].language, "it");
  EXPECT_EQ(v.windows[0].text, "Uno, due, tre, quattro, cinque, sei.");

  w.erase("detected_text");  // the judge before --decode-in: the Italian decoding was the text
  w["text"] = "Uno, due, tre, quattro, cinque, sei.";
  const auto before = dubctl::judge_heard(heard, step(0.5, 0.95), counting_reference(), {}, "en");
  ASSERT_EQ(before.problems.size(), 1U);
  EXPECT_NE(before.problems.front().find("missing: dos tres cuatro cinco seis"), std::string::npos)
      << before.problems.front();
}

TEST(Heard, WithoutAReferenceNothingHeardIsAFailure) {
  nlohmann::json heard = {{"windows", {window(0, "", 0, 0, "", true), window(1, "", 0, 0, "", true)}}};
  const auto v = dubctl::judge_heard(heard, step(), nullptr, {}, "en");
  ASSERT_EQ(v.problems.size(), 1U);
  EXPECT_EQ(v.problems.front(), "the judge heard no speech in any window");
}

TEST(Heard, PassthroughWindowsComeFromTheMediaServiceRecord) {
  const nlohmann::json worker = {{"fragments",
                                  {{{"sequence_number", 0}, {"pts_ns", 0}, {"state", "dubbed"}},
                                   {{"sequence_number", 1}, {"pts_ns", 6'000'000'000LL}, {"state", "passthrough"}},
                                   {{"sequence_number", 2}, {"pts_ns", 12'020'000'000LL}, {"state", "passthrough"}}}}};
  EXPECT_EQ(dubctl::passthrough_windows(worker, 6.0), (std::set<int>{1, 2}));
  EXPECT_TRUE(dubctl::passthrough_windows(nullptr, 6.0).empty());
}

}  // namespace

namespace {

constexpr const char* kHeard = R"(name: heard
description: the judge listens
stacks: {media: {}}
steps:
  - verify:
      heard:
        media: "compose/media/recordings/live/${stream}/out"
        min_confidence: 0.6
        reference: fixtures/test_streams/30s-english-speech.json
        min_coverage: 0.8
        window: 6s
)";

TEST(HeardScenario, ParsesTheStep) {
  const auto s = dubctl::parse_scenario(kHeard, "scenarios/x.yaml");
  ASSERT_EQ(s.steps.size(), 1U);
  const auto& h = dubctl::step_as<dubctl::VerifyHeardStep>(s.steps[0]);
  EXPECT_EQ(h.language, "es");
  EXPECT_DOUBLE_EQ(h.min_confidence, 0.6);
  EXPECT_DOUBLE_EQ(h.min_coverage, 0.8);
  EXPECT_EQ(h.window, std::chrono::seconds(6));
  EXPECT_EQ(h.model, "base");
}

TEST(HeardScenario, BadBoundsAreRejectedWithFileLineAndKey) {
  std::string yaml = kHeard;
  yaml.replace(yaml.find("min_confidence: 0.6"), 19, "min_confidence: 1.6");
  expect_rejected(yaml, 8, "steps[0].verify.heard.min_confidence");
  yaml = kHeard;
  const std::string reference_line = "        reference: fixtures/test_streams/30s-english-speech.json\n";
  yaml.replace(yaml.find(reference_line), reference_line.size(), "");
  expect_rejected(yaml, 7, "min_coverage needs a `reference:` sidecar");
  yaml = kHeard;
  yaml.replace(yaml.find("window: 6s"), 10, "windw: 6s");
  expect_rejected(yaml, 11, "steps[0].verify.heard.windw");
}

}  // namespace
