#include <gtest/gtest.h>

#include "dub/util/error.hpp"
#include "sts_monitor.hpp"

namespace {

nlohmann::json summary(int seq, const std::string& transcript, const std::string& translation,
                       const std::string& status = "success", bool dubbed = true) {
  return {{"stream_id", "s"},
          {"fragment_id", "s-" + std::to_string(seq)},
          {"sequence_number", seq},
          {"status", status},
          {"transcript", transcript},
          {"translated_text", translation},
          {"input_audio_sha256", "in" + std::to_string(seq)},
          {"dubbed_audio_sha256", dubbed ? "out" + std::to_string(seq) : "in" + std::to_string(seq)},
          {"processing_time_ms", 1200.5}};
}

std::vector<nlohmann::json> counting() {
  return {
      summary(0, "1, 2, 3, 4, 5, 6.", "Uno, dos, tres, cuatro, cinco, seis."),
      summary(1, "7, 8, 9, 10, 11, 12.", "Siete, ocho, nueve, diez, once, doce."),
      summary(2, "13, 14, 15, 16, 17, 18.", "Trece, catorce, quince, dieciséis, diecisiete, dieciocho."),
      summary(3, "19, 20, 21, 22, 23, 24.", "Diecinueve, veinte, veintiuno, veintidós, veintitrés, veinticuatro."),
      summary(4, "25, 26, 27, 28, 29, 30.", "Veinticinco, veintiséis, veintisiete, veintiocho, veintinueve, treinta.")};
}

dubctl::VerifyFragmentsStep step_with_reference() {
  dubctl::VerifyFragmentsStep step;
  step.count = 5;
  step.reference = "fixtures/test_streams/30s-english-speech.json";
  step.max_wer = 0.1;
  step.min_translation_coverage = 0.9;
  return step;
}

TEST(VerifyFragments, RealCountingTranscriptPasses) {
  std::vector<std::pair<std::string, std::string>> props;
  const auto detail = dubctl::verify_fragments(step_with_reference(), counting(), DUB_SOURCE_DIR, props);
  EXPECT_NE(detail.find("WER 0.0%"), std::string::npos) << detail;
  EXPECT_NE(detail.find("30/30 Spanish words"), std::string::npos) << detail;
}

TEST(VerifyFragments, EveryProblemIsReported) {
  auto frags = counting();
  frags[1] = summary(1, "seven eight", "Siete, ocho.", "partial");          // 4 words lost, partial
  frags[3] = summary(3, "19, 20, 21, 22, 23, 24.", "x", "success", false);  // passthrough audio
  std::swap(frags[0], frags[2]);                                            // out of order
  frags.pop_back();                                                         // one missing
  std::vector<std::pair<std::string, std::string>> props;
  try {
    dubctl::verify_fragments(step_with_reference(), frags, DUB_SOURCE_DIR, props);
    FAIL() << "accepted broken results";
  } catch (const dub::Error& e) {
    const std::string msg = e.what();
    for (const char* expected :
         {"expected 5 processed fragments, STS reported 4", "not in sequence order", "status partial",
          "identical to the input", "word error rate", "expected Spanish words"}) {
      EXPECT_NE(msg.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << msg;
    }
  }
}

// Spec US1-3: each fragment is answered within 15 s of its arrival (queue + processing in STS).
TEST(VerifyFragments, MaxProcessingCountsQueueAndProcessing) {
  dubctl::VerifyFragmentsStep step;
  step.max_processing = std::chrono::seconds(15);
  std::vector<std::pair<std::string, std::string>> props;
  auto quick = summary(0, "one", "uno");
  quick["queue_time_ms"] = 2000.0;  // + 1200.5 processing
  EXPECT_NO_THROW(dubctl::verify_fragments(step, {quick}, DUB_SOURCE_DIR, props));
  auto slow = summary(1, "two", "dos");
  slow["queue_time_ms"] = 14000.0;
  try {
    dubctl::verify_fragments(step, {quick, slow}, DUB_SOURCE_DIR, props);
    ADD_FAILURE() << "a fragment answered 15.2 s after it arrived passed";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fragment s-1: answered 15200 ms after it arrived (more than 15000 ms)"),
              std::string::npos)
        << e.what();
  }
}

TEST(VerifyFragments, StatusAnyAndNoReference) {
  dubctl::VerifyFragmentsStep step;
  step.status = "any";
  step.dubbed = false;
  std::vector<std::pair<std::string, std::string>> props;
  EXPECT_NO_THROW(dubctl::verify_fragments(step, {summary(0, "", "", "failed", false)}, DUB_SOURCE_DIR, props));
}

}  // namespace

namespace {

// The 30 s fixture read live: five 6 s fragments, and now and then a 16 ms remainder (one AAC frame).
std::vector<nlohmann::json> counting_with_tail(long long tail_ns) {
  auto frags = counting();
  for (auto& f : frags) f["duration_ns"] = 6'000'000'000LL;
  auto tail = summary(5, "", "");
  tail["duration_ns"] = tail_ns;
  frags.push_back(tail);
  return frags;
}

TEST(VerifyFragments, ATailFragmentIsCountedApart) {
  auto step = step_with_reference();
  step.tail = std::chrono::milliseconds(50);
  std::vector<std::pair<std::string, std::string>> props;
  EXPECT_NO_THROW(dubctl::verify_fragments(step, counting_with_tail(16'000'000), DUB_SOURCE_DIR, props));
  EXPECT_NO_THROW(dubctl::verify_fragments(step, counting(), DUB_SOURCE_DIR, props));  // no tail at all
}

// A tail has no speech to dub: the STS may give its silence back as it came (a 44.1 kHz stereo
// source's 0.2 ms tail did), and `dubbed: true` must not fail on it. A full fragment handed back
// as it came still fails.
TEST(VerifyFragments, ATailHandedBackAsItCameIsNotUndubbed) {
  auto step = step_with_reference();
  step.tail = std::chrono::milliseconds(50);
  step.dubbed = true;
  std::vector<std::pair<std::string, std::string>> props;
  auto frags = counting_with_tail(23'000'000);
  frags.back()["dubbed_audio_sha256"] = frags.back()["input_audio_sha256"];
  EXPECT_NO_THROW(dubctl::verify_fragments(step, frags, DUB_SOURCE_DIR, props));
  frags[4]["dubbed_audio_sha256"] = frags[4]["input_audio_sha256"];
  try {
    dubctl::verify_fragments(step, frags, DUB_SOURCE_DIR, props);
    FAIL() << "an undubbed full fragment passed";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("s-4: dubbed audio is identical to the input"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s-5:"), std::string::npos) << e.what();
  }
}

TEST(VerifyFragments, ALongerLastFragmentIsNoTail) {
  auto step = step_with_reference();
  step.tail = std::chrono::milliseconds(50);
  std::vector<std::pair<std::string, std::string>> props;
  try {
    dubctl::verify_fragments(step, counting_with_tail(2'000'000'000), DUB_SOURCE_DIR, props);
    FAIL() << "a 2 s sixth fragment passed as a tail";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 5 processed fragments (and at most a 50ms tail), STS reported 6"),
              std::string::npos)
        << e.what();
  }
  step.tail.reset();  // without `tail`, even a 16 ms sixth fragment is one too many
  EXPECT_THROW(dubctl::verify_fragments(step, counting_with_tail(16'000'000), DUB_SOURCE_DIR, props), dub::Error);
}

// A fragment lost on its way (the fault matrix's dropped fragment): the tail must not stand in for it,
// and a stream whose every fragment was lost is caught too.
TEST(VerifyFragments, ALostFragmentIsNamedEvenWhenTheTailMakesUpTheCount) {
  dubctl::VerifyFragmentsStep step;
  step.count = 1;
  step.tail = std::chrono::milliseconds(50);
  step.status = "any";
  step.dubbed = false;
  std::vector<std::pair<std::string, std::string>> props;
  auto first = summary(0, "hello world", "hola mundo");
  first["duration_ns"] = 6'000'000'000LL;
  auto tail = summary(1, "", "");
  tail["duration_ns"] = 16'000'000LL;
  EXPECT_NO_THROW(dubctl::verify_fragments(step, {first, tail}, DUB_SOURCE_DIR, props));
  EXPECT_NO_THROW(dubctl::verify_fragments(step, {first}, DUB_SOURCE_DIR, props));
  for (const auto& reported : {std::vector<nlohmann::json>{tail}, std::vector<nlohmann::json>{}}) {
    try {
      dubctl::verify_fragments(step, reported, DUB_SOURCE_DIR, props);
      ADD_FAILURE() << "fragment 0 lost, and the check passed with " << reported.size() << " reported";
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("fragment(s) 0 never reached the STS"), std::string::npos) << e.what();
    }
  }
  auto frags = counting();
  frags.erase(frags.begin() + 2);
  dubctl::VerifyFragmentsStep at_least;
  at_least.min_count = 3;
  try {
    dubctl::verify_fragments(at_least, frags, DUB_SOURCE_DIR, props);
    ADD_FAILURE() << "fragment 2 lost, and min_count passed";
  } catch (const dub::Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("fragment(s) 2 never reached the STS (it reported sequence numbers [0, 1, 3, 4])"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
