// Checks the committed test fixtures (fixtures/test_streams/, made by scripts/make-fixtures):
// what libav reads from each file must agree with its JSON sidecar, and both must obey the
// invariants the end-to-end tests rely on (codecs, 48 kHz, 30 words a second apart, 6 s segments,
// whole recorded prompts inside each segment of the human-voice fixture).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"

namespace {

namespace fs = std::filesystem;
using dub::media::StreamType;
using nlohmann::json;

constexpr double kDurationTolerance = 0.050;  // seconds, container and stream durations
constexpr int kRate = 48000;

const fs::path& fixture_dir() {
  static const fs::path dir = fs::path(DUB_SOURCE_DIR) / "fixtures" / "test_streams";
  return dir;
}

json read_sidecar(const std::string& media) {
  const fs::path path = fixture_dir() / fs::path(media).replace_extension(".json");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return json::parse(in);
}

// The counting words, spelled here independently of the generator.
std::vector<std::string> counting_words() {
  const std::vector<std::string> units = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  std::vector<std::string> words = units;
  for (const char* w : {"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                        "eighteen", "nineteen", "twenty"}) {
    words.emplace_back(w);
  }
  for (const auto& u : units) words.push_back("twenty-" + u);
  words.emplace_back("thirty");
  return words;
}

// The words of a text, split at spaces.
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

// The recorded prompts of 30s-human-voice.mp4 (Allison Smith, Debian asterisk-core-sounds-en-wav),
// lower-case without punctuation, as the transcript file of the package spells them.
const std::vector<std::string>& human_prompts() {
  static const std::vector<std::string> prompts = {
      "nobody is available to take your call at the moment",
      "please try your call again later",
      "please enter your phone number starting with the area code",
      "the number is not answering",
      "that feature is not available on this line",
      "information about your last call",
      "your message has been saved",
      "the echo test has been completed",
      "your call is now first in line and will be answered by the next available representative",
  };
  return prompts;
}

std::vector<std::string> human_words() {
  std::vector<std::string> words;
  for (const auto& p : human_prompts()) {
    for (auto& w : split_words(p)) words.push_back(std::move(w));
  }
  return words;
}

enum class Content { Speech, SpeechOverNoise, Silence, NoAudio };

// Synthetic: every word synthesised and measured on its own, one Spanish word per English word.
// Human: whole recorded prompts; only a prompt's span is measured (its words' times are split from
// it), and the Spanish is the machine translation of each prompt, so it lines up per prompt, not per word.
enum class Voice { Synthetic, Human };

struct Fixture {
  std::string file;
  double duration_s;
  Content content;
  std::vector<std::string> words;  // expected word texts, in order
  Voice voice = Voice::Synthetic;
};

std::ostream& operator<<(std::ostream& os, const Fixture& f) {
  return os << f.file;
}

const std::vector<Fixture>& fixtures() {
  static const std::vector<Fixture> all = {
      {"30s-english-speech.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-speech-over-noise.mp4", 30.0, Content::SpeechOverNoise, counting_words()},
      {"30s-silence.mp4", 30.0, Content::Silence, {}},
      {"30s-no-audio.mp4", 30.0, Content::NoAudio, {}},
      {"6s-hello-world.mp4", 6.0, Content::Speech, {"hello", "world"}},
      {"30s-human-voice.mp4", 30.0, Content::Speech, human_words(), Voice::Human},
      {"30s-x264-high-bframes.mp4", 30.0, Content::Speech, counting_words()},
      // The source matrix (scripts/fixturegen/matrix.py): the counting speech as other encoders make it.
      {"30s-gop4s.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-720p30.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-720p60.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-44k1-stereo.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-opus.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-hevc.mp4", 30.0, Content::Speech, counting_words()},
      {"30s-start-10h.ts", 30.0, Content::Speech, counting_words()},
  };
  return all;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

class FixtureTest : public ::testing::TestWithParam<Fixture> {
 protected:
  void SetUp() override {
    path_ = (fixture_dir() / GetParam().file).string();
    ASSERT_TRUE(fs::exists(path_)) << path_ << " is missing: run scripts/make-fixtures";
    ASSERT_NO_THROW(side_ = read_sidecar(GetParam().file));
  }
  std::string path_;
  json side_;
};

TEST_P(FixtureTest, SidecarDescribesThisFile) {
  const Fixture& f = GetParam();
  EXPECT_EQ(side_.at("fixture").get<std::string>(), f.file);
  EXPECT_DOUBLE_EQ(side_.at("duration_s").get<double>(), f.duration_s);
  const auto vcodec = side_.at("video").at("codec").get<std::string>();
  EXPECT_TRUE(vcodec == "h264" || (vcodec == "hevc" && f.file == "30s-hevc.mp4")) << vcodec;
  if (f.content == Content::NoAudio) {
    EXPECT_TRUE(side_.at("audio").is_null());
    EXPECT_TRUE(side_.at("sample_rate").is_null());
  } else {
    // AAC 48 kHz mono, but for the matrix's 44.1 kHz stereo AAC row and its 48 kHz stereo Opus row.
    EXPECT_EQ(side_.at("audio").at("codec").get<std::string>(), f.file == "30s-opus.mp4" ? "opus" : "aac");
    const int rate = side_.at("sample_rate").get<int>();
    const int channels = side_.at("channels").get<int>();
    const bool stereo_row = f.file == "30s-44k1-stereo.mp4" || f.file == "30s-opus.mp4";
    EXPECT_EQ(rate, f.file == "30s-44k1-stereo.mp4" ? 44100 : kRate);
    EXPECT_EQ(channels, stereo_row ? 2 : 1);
    EXPECT_EQ(side_.at("audio").at("sample_rate").get<int>(), rate);
    EXPECT_EQ(side_.at("audio").at("samples").get<long>(), std::lround(f.duration_s * rate));
  }
}

TEST_P(FixtureTest, ContainerMatchesSidecar) {
  const Fixture& f = GetParam();
  dub::media::MediaInfo info;
  ASSERT_NO_THROW(info = dub::media::probe(path_));
  const bool ts = fs::path(f.file).extension() == ".ts";
  EXPECT_NE(info.container.find(ts ? "mpegts" : "mp4"), std::string::npos) << info.container;
  // Timestamps from where the sidecar says (10 h for the MPEG-TS row, else 0).
  EXPECT_NEAR(info.start_s, side_.value("start_s", 0.0), 0.05);

  const double want = side_.at("duration_s").get<double>();
  EXPECT_NEAR(info.duration_s, want, kDurationTolerance);
  EXPECT_NEAR(info.duration_s, f.duration_s, kDurationTolerance);

  const auto* video = info.first(StreamType::Video);
  ASSERT_NE(video, nullptr);
  const json& sv = side_.at("video");
  EXPECT_EQ(video->codec, sv.at("codec").get<std::string>());
  EXPECT_EQ(video->width, sv.at("width").get<int>());
  EXPECT_EQ(video->height, sv.at("height").get<int>());
  EXPECT_NEAR(video->frame_rate, sv.at("fps").get<double>(), 1e-6);
  EXPECT_NEAR(video->duration_s, want, kDurationTolerance);
  EXPECT_NEAR(sv.at("frames").get<double>() / sv.at("fps").get<double>(), want, 1e-9);
  // B-frames as the sidecar says: the decoder's reorder delay is 0 without them.
  EXPECT_EQ(video->has_b_frames > 0, sv.value("bframes", 0) > 0) << "has_b_frames " << video->has_b_frames;
  EXPECT_EQ(video->profile, sv.at("profile").get<std::string>());

  std::size_t n_audio = 0;
  for (const auto& s : info.streams) n_audio += s.type == StreamType::Audio ? 1 : 0;
  const auto* audio = info.first(StreamType::Audio);
  if (f.content == Content::NoAudio) {
    EXPECT_EQ(n_audio, 0U) << "the video-only fixture must have no audio stream";
    EXPECT_EQ(info.streams.size(), 1U);
    return;
  }
  EXPECT_EQ(n_audio, 1U);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->codec, side_.at("audio").at("codec").get<std::string>());
  EXPECT_EQ(audio->sample_rate, side_.at("sample_rate").get<int>());
  EXPECT_EQ(audio->channels, side_.at("channels").get<int>());
  EXPECT_EQ(audio->language, "eng");
  EXPECT_NEAR(audio->duration_s, want, kDurationTolerance);
}

TEST_P(FixtureTest, WordsAreOrderedAndInsideTheFile) {
  const Fixture& f = GetParam();
  const json& words = side_.at("words");
  ASSERT_TRUE(words.is_array());
  ASSERT_EQ(words.size(), f.words.size());
  if (f.content == Content::Silence || f.content == Content::NoAudio) {
    EXPECT_TRUE(words.empty());
    EXPECT_EQ(side_.at("transcript").get<std::string>(), "");
    return;
  }
  const double duration = side_.at("duration_s").get<double>();
  double prev_end = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const json& w = words[i];
    SCOPED_TRACE("word " + std::to_string(i + 1));
    EXPECT_EQ(w.at("n").get<std::size_t>(), i + 1);
    EXPECT_EQ(w.at("word").get<std::string>(), f.words[i]);
    const double start = w.at("start_s").get<double>();
    const double end = w.at("end_s").get<double>();
    EXPECT_GT(end, start);
    EXPECT_GE(start, prev_end) << "words overlap";
    EXPECT_GT(start, 0.0);
    EXPECT_LT(end, duration);
    // Sample positions and seconds must agree (to the 6 decimals the sidecar keeps).
    EXPECT_NEAR(w.at("start_sample").get<double>() / kRate, start, 1e-6);
    EXPECT_NEAR(w.at("end_sample").get<double>() / kRate, end, 1e-6);
    prev_end = end;
  }
  EXPECT_EQ(side_.at("transcript").get<std::string>(), join(f.words));
}

TEST_P(FixtureTest, SixSecondSegmentsHoldTheirWords) {
  const Fixture& f = GetParam();
  const json& segs = side_.at("segments_6s");
  const json& words = side_.at("words");
  const json& es = side_.at("expected_translation_es");
  const bool has_es = !es.empty();
  // Synthetic speech: word k of the Spanish translates word k. A recording: the segments' Spanish,
  // in order, is the whole list.
  const bool es_per_word = has_es && f.voice == Voice::Synthetic;
  if (es_per_word) {
    ASSERT_EQ(es.size(), words.size());
  }
  std::vector<std::string> es_of_segments;
  ASSERT_EQ(segs.size(), static_cast<std::size_t>(std::lround(f.duration_s / 6.0)));
  std::size_t seen = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const json& s = segs[i];
    SCOPED_TRACE("segment " + std::to_string(i));
    EXPECT_EQ(s.at("index").get<std::size_t>(), i);
    const double lo = s.at("start_s").get<double>();
    const double hi = s.at("end_s").get<double>();
    EXPECT_DOUBLE_EQ(lo, 6.0 * static_cast<double>(i));
    EXPECT_DOUBLE_EQ(hi, 6.0 * static_cast<double>(i + 1));
    std::vector<std::string> inside;
    std::vector<std::string> inside_es;
    for (std::size_t k = 0; k < words.size(); ++k) {
      const double start = words[k].at("start_s").get<double>();
      if (start < lo || start >= hi) continue;
      inside.push_back(words[k].at("word").get<std::string>());
      if (es_per_word) {
        inside_es.push_back(es[k].get<std::string>());
      }
      // No word may straddle a segment boundary: the pipeline cuts audio every 6 s.
      EXPECT_LE(words[k].at("end_s").get<double>(), hi) << inside.back();
    }
    seen += inside.size();
    EXPECT_EQ(s.at("text").get<std::string>(), join(inside));
    if (es_per_word) {
      EXPECT_EQ(s.at("expected_translation_es").get<std::string>(), join(inside_es));
    } else if (has_es) {
      const auto seg_es = split_words(s.at("expected_translation_es").get<std::string>());
      EXPECT_EQ(seg_es.empty(), inside.empty()) << "Spanish exactly where there is English";
      es_of_segments.insert(es_of_segments.end(), seg_es.begin(), seg_es.end());
    }
    if (f.words.size() == 30) {
      EXPECT_EQ(inside.size(), 6U) << "six numbers per 6 s segment";
    }
  }
  EXPECT_EQ(seen, words.size()) << "every word belongs to exactly one segment";
  if (has_es && !es_per_word) {
    EXPECT_EQ(es.get<std::vector<std::string>>(), es_of_segments);
  }
}

// The counting fixtures only.
class CountingFixtureTest : public FixtureTest {};

TEST_P(CountingFixtureTest, WordsStartOneSecondApart) {
  const json& words = side_.at("words");
  ASSERT_EQ(words.size(), 30U);
  const double offset = side_.at("onset_offset_s").get<double>();
  EXPECT_GE(offset, 0.0);
  EXPECT_LT(offset, 0.5);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const double start = words[i].at("start_s").get<double>();
    const double end = words[i].at("end_s").get<double>();
    SCOPED_TRACE(words[i].at("word").get<std::string>());
    // Number n is spoken in second n: it starts at (n-1) s + offset and is over before n s.
    EXPECT_NEAR(start, static_cast<double>(i) + offset, 0.001);
    EXPECT_LT(end, static_cast<double>(i + 1));
    if (i > 0) {
      EXPECT_NEAR(start - words[i - 1].at("start_s").get<double>(), 1.0, 0.001);
    }
  }
  const json& es = side_.at("expected_translation_es");
  ASSERT_EQ(es.size(), 30U);
  EXPECT_EQ(es.front().get<std::string>(), "uno");
  EXPECT_EQ(es.back().get<std::string>(), "treinta");
}

TEST(NoiseFixture, StatesItsSnrAndReusesTheCleanSpeech) {
  const json side_ = read_sidecar("30s-speech-over-noise.mp4");
  const json& noise = side_.at("noise");
  const double snr = noise.at("snr_db").get<double>();
  EXPECT_GT(snr, 0.0);
  EXPECT_NEAR(noise.at("measured_snr_db").get<double>(), snr, 0.1);
  EXPECT_NEAR(noise.at("speech_rms_dbfs").get<double>() - noise.at("noise_rms_dbfs").get<double>(), snr, 0.1);
  // Same speech as the clean fixture, sample for sample.
  const json clean = read_sidecar("30s-english-speech.mp4");
  EXPECT_EQ(side_.at("words"), clean.at("words"));
}

// 30s-human-voice.mp4: a real recording, its licence, and whole prompts inside each 6 s segment.
TEST(HumanVoiceFixture, NamesItsRecordingAndLicence) {
  const json side = read_sidecar("30s-human-voice.mp4");
  EXPECT_EQ(side.at("voice").get<std::string>(), "real human recording");
  EXPECT_FALSE(side.contains("tts")) << "a recording, not synthesised speech";
  const json& source = side.at("source");
  EXPECT_EQ(source.at("package").get<std::string>(), "asterisk-core-sounds-en-wav");
  EXPECT_FALSE(source.at("version").get<std::string>().empty());
  EXPECT_EQ(source.at("licence").get<std::string>(), "CC-BY-SA-3.0");
  EXPECT_NE(source.at("attribution").get<std::string>().find("Allison Smith"), std::string::npos);
  EXPECT_EQ(source.at("files").size(), human_prompts().size());
}

TEST(HumanVoiceFixture, WholePromptsInsideEachSegment) {
  const json side = read_sidecar("30s-human-voice.mp4");
  const json& prompts = side.at("prompts");
  const json& words = side.at("words");
  const json& segs = side.at("segments_6s");
  ASSERT_EQ(prompts.size(), human_prompts().size());
  constexpr double kMargin = 0.15;  // seconds of silence kept next to every 6 s boundary
  std::vector<double> speech(segs.size(), 0.0);
  std::vector<std::string> seg_text(segs.size());
  std::vector<std::string> seg_es(segs.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const json& p = prompts[i];
    SCOPED_TRACE("prompt " + std::to_string(i + 1));
    EXPECT_EQ(p.at("words").get<std::string>(), human_prompts()[i]);
    const double start = p.at("start_s").get<double>();
    const double end = p.at("end_s").get<double>();
    const auto seg = static_cast<std::size_t>(std::floor(start / 6.0));
    ASSERT_LT(seg, segs.size());
    EXPECT_EQ(p.at("segment").get<std::size_t>(), seg);
    EXPECT_GE(start, 6.0 * static_cast<double>(seg) + kMargin);
    EXPECT_LE(end, 6.0 * static_cast<double>(seg + 1) - kMargin) << "a prompt straddles a 6 s boundary";
    EXPECT_NEAR(p.at("start_sample").get<double>() / kRate, start, 1e-6);
    EXPECT_NEAR(p.at("end_sample").get<double>() / kRate, end, 1e-6);
    // The prompt's first word starts where it starts and its last word ends where it ends.
    const auto first = p.at("first_word").get<std::size_t>();
    const auto last = p.at("last_word").get<std::size_t>();
    ASSERT_TRUE(first >= 1 && first <= last && last <= words.size());
    EXPECT_EQ(words[first - 1].at("start_sample"), p.at("start_sample"));
    EXPECT_EQ(words[last - 1].at("end_sample"), p.at("end_sample"));
    EXPECT_EQ(last - first + 1, split_words(human_prompts()[i]).size());
    EXPECT_FALSE(p.at("expected_translation_es").get<std::string>().empty());
    speech[seg] += end - start;
    for (auto* out : {&seg_text[seg], &seg_es[seg]}) {
      if (!out->empty()) *out += ' ';
    }
    seg_text[seg] += p.at("words").get<std::string>();
    seg_es[seg] += p.at("expected_translation_es").get<std::string>();
  }
  for (std::size_t i = 0; i < segs.size(); ++i) {
    SCOPED_TRACE("segment " + std::to_string(i));
    EXPECT_GE(speech[i], 3.5) << "every 6 s segment has speech";
    EXPECT_LE(speech[i], 5.5);
    EXPECT_EQ(segs[i].at("text").get<std::string>(), seg_text[i]);
    EXPECT_EQ(segs[i].at("expected_translation_es").get<std::string>(), seg_es[i]);
  }
  EXPECT_EQ(side.at("expected_translation_es_text").get<std::string>(),
            join(side.at("expected_translation_es").get<std::vector<std::string>>()));
}

std::vector<Fixture> counting_fixtures() {
  std::vector<Fixture> out;
  for (const auto& f : fixtures()) {
    if (f.words.size() == 30) out.push_back(f);
  }
  return out;
}

std::string param_name(const ::testing::TestParamInfo<Fixture>& p) {
  std::string name;
  for (char c : p.param.file) {
    if (c == '.') break;
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return "f" + name;
}

INSTANTIATE_TEST_SUITE_P(TestStreams, FixtureTest, ::testing::ValuesIn(fixtures()), param_name);
INSTANTIATE_TEST_SUITE_P(TestStreams, CountingFixtureTest, ::testing::ValuesIn(counting_fixtures()), param_name);

// Every media file in the folder is one of the fixtures above, has a sidecar, and is in SHA256SUMS.
TEST(FixtureDir, EveryFileIsKnownAndListed) {
  std::set<std::string> known;
  for (const auto& f : fixtures()) known.insert(f.file);

  std::ifstream sums_in(fixture_dir() / "SHA256SUMS");
  ASSERT_TRUE(sums_in) << "fixtures/test_streams/SHA256SUMS is missing";
  std::set<std::string> listed;
  std::string line;
  while (std::getline(sums_in, line)) {
    std::istringstream fields(line);
    std::string sum;
    std::string name;
    fields >> sum >> name;
    EXPECT_EQ(sum.size(), 64U) << line;
    listed.insert(name);
  }

  std::set<std::string> media;
  for (const auto& entry : fs::directory_iterator(fixture_dir())) {
    const auto ext = entry.path().extension();
    if (ext == ".mp4" || ext == ".ts") media.insert(entry.path().filename().string());
  }
  EXPECT_EQ(media, known) << "fixtures/test_streams has media files the test does not know (or lacks some)";
  for (const auto& m : media) {
    const std::string sidecar = fs::path(m).replace_extension(".json").string();
    EXPECT_TRUE(fs::exists(fixture_dir() / sidecar)) << sidecar;
    EXPECT_TRUE(listed.count(m)) << m << " not in SHA256SUMS";
    EXPECT_TRUE(listed.count(sidecar)) << sidecar << " not in SHA256SUMS";
  }
}

// The probe must fail loudly on a file that is not media (guards against a probe that accepts anything).
TEST(FixtureDir, ProbeRejectsANonMediaFile) {
  EXPECT_THROW(dub::media::probe((fixture_dir() / "SHA256SUMS").string()), dub::Error);
}

}  // namespace
