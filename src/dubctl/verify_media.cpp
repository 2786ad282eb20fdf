#include "verify_media.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dub/media/drift.hpp"
#include "dub/media/fingerprint.hpp"
#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"
#include "fixture_check.hpp"
#include "loudness.hpp"

namespace fs = std::filesystem;

namespace dubctl {

std::string verify_media(const VerifyMediaStep& step, const fs::path& root, const EnvMap& vars,
                         std::vector<std::pair<std::string, std::string>>& properties, ScenarioEvidence& evidence) {
  auto source = expand(step.source, vars);
  if (source.find("://") == std::string::npos && fs::path(source).is_relative()) source = (root / source).string();
  if (source.find("://") == std::string::npos && fs::is_directory(source)) {
    // A folder of recordings (MediaMTX writes one file per segment): take the newest.
    fs::path newest;
    for (const auto& entry : fs::directory_iterator(source)) {
      if (entry.is_regular_file() && (newest.empty() || entry.last_write_time() > fs::last_write_time(newest))) {
        newest = entry.path();
      }
    }
    if (newest.empty()) throw dub::Error(fmt::format("no recording in {}", source));
    source = newest.string();
  }
  if (source.find("://") == std::string::npos && !fs::exists(source)) {
    throw dub::Error(
        fmt::format("media file not found: {} (fixtures live in fixtures/test_streams/; "
                    "regenerate with scripts/make-fixtures)",
                    source));
  }
  const auto info = dub::media::probe(source);
  const auto& x = step.expect;
  std::vector<std::string> problems;
  const auto* video = info.first(dub::media::StreamType::Video);
  const auto* audio = info.first(dub::media::StreamType::Audio);
  if (x.streams && static_cast<int>(info.streams.size()) != *x.streams) {
    problems.push_back(fmt::format("streams: expected {}, found {}", *x.streams, info.streams.size()));
  }
  if (x.video_codec && (video == nullptr || video->codec != *x.video_codec)) {
    problems.push_back(
        fmt::format("video codec: expected {}, found {}", *x.video_codec, video ? video->codec : "none"));
  }
  if (x.audio_codec && (audio == nullptr || audio->codec != *x.audio_codec)) {
    problems.push_back(
        fmt::format("audio codec: expected {}, found {}", *x.audio_codec, audio ? audio->codec : "none"));
  }
  if (x.has_audio && (*x.has_audio != (audio != nullptr))) {
    problems.push_back(
        fmt::format("audio track: expected {}, found {}", *x.has_audio ? "one" : "none", audio ? "one" : "none"));
  }
  if (x.sample_rate && (audio == nullptr || audio->sample_rate != *x.sample_rate)) {
    problems.push_back(
        fmt::format("sample rate: expected {}, found {}", *x.sample_rate, audio ? audio->sample_rate : 0));
  }
  if (x.audio_language && (audio == nullptr || audio->language != *x.audio_language)) {
    problems.push_back(
        fmt::format("audio language: expected '{}', found '{}'", *x.audio_language, audio ? audio->language : ""));
  }
  properties.emplace_back("duration_s", fmt::format("{:.3f}", info.span_s()));  // reported even when not asserted
  if (x.duration_s) {
    if (std::abs(info.span_s() - *x.duration_s) > x.duration_tolerance_s) {
      problems.push_back(fmt::format("duration: expected {:.3f} s ± {:.3f}, found {:.3f} s (from {:.3f} s to {:.3f} s)",
                                     *x.duration_s, x.duration_tolerance_s, info.span_s(), info.start_s,
                                     info.duration_s));
    }
  }
  if (x.max_drift_ms) {
    const auto drift = dub::media::analyze_drift(source);
    evidence.drift = drift;
    evidence.max_drift_ms = *x.max_drift_ms;
    const double max_ms = drift.max_abs_drift_s * 1000.0;
    properties.emplace_back("max_av_drift_ms", fmt::format("{:.1f}", max_ms));
    if (max_ms > *x.max_drift_ms) {
      problems.push_back(fmt::format("A/V drift reaches {:.1f} ms (> {:.0f} ms)", max_ms, *x.max_drift_ms));
    }
  }
  if (!x.unlike.empty()) {
    const auto other = fixture_path(expand(x.unlike, vars), root);
    const double sim = dub::media::similarity(dub::media::fingerprint(source), dub::media::fingerprint(other.string()));
    properties.emplace_back("fingerprint_similarity", fmt::format("{:.3f}", sim));
    evidence.similarity = sim;
    evidence.similarity_source = source;
    evidence.max_similarity = x.max_similarity;
    if (sim > x.max_similarity) {
      problems.push_back(
          fmt::format("audio fingerprint similarity to {} is {:.3f} (> {:.2f}): the audio was not dubbed",
                      other.filename().string(), sim, x.max_similarity));
    }
  }
  if (x.loudness) {
    const auto reference = fixture_path(expand(x.loudness->reference, vars), root);
    auto loudness = check_loudness(source, reference.string(), *x.loudness);
    for (auto& p : loudness.properties()) properties.push_back(std::move(p));
    problems.insert(problems.end(), loudness.problems.begin(), loudness.problems.end());
    evidence.loudness = std::move(loudness);
  }
  if (!problems.empty()) {
    throw dub::Error(fmt::format("{} does not match:\n  - {}", source, fmt::join(problems, "\n  - ")));
  }
  return fmt::format("{}: {} stream(s), {:.3f} s", fs::path(source).filename().string(), info.streams.size(),
                     info.span_s());
}

}  // namespace dubctl
