#include "heard.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "dub/http/client.hpp"
#include "dub/media/decode.hpp"
#include "dub/media/remux.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "dub/util/wav.hpp"
#include "eventually.hpp"
#include "evidence.hpp"
#include "readback.hpp"
#include "sidecar.hpp"
#include "stacks.hpp"
#include "wer.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr int kJudgeRate = 16000;  // what Whisper listens at

double window_seconds(const VerifyHeardStep& step, const nlohmann::json& reference) {
  if (step.window) return std::chrono::duration<double>(*step.window).count();
  if (reference.is_object() && reference.contains("segment_duration_s") &&
      reference["segment_duration_s"].is_number()) {
    return reference["segment_duration_s"].get<double>();
  }
  return 6.0;
}

// The original's segment `index` of the reference sidecar (null when it has none).
nlohmann::json reference_segment(const nlohmann::json& reference, int index) {
  if (!reference.is_object() || !reference.contains("segments_6s")) return nullptr;
  for (const auto& s : reference["segments_6s"]) {
    if (s.value("index", -1) == index) return s;
  }
  return nullptr;
}

double probability_of(const nlohmann::json& w, const std::string& language) {
  if (w.contains("probabilities") && w["probabilities"].is_object()) {
    const auto& p = w["probabilities"];
    if (p.contains(language) && p[language].is_number()) return p[language].get<double>();
  }
  if (w.value("language", nlohmann::json()).is_string() && w["language"] == language && w["probability"].is_number()) {
    return w["probability"].get<double>();
  }
  return 0;
}

std::string window_name(const HeardWindow& w) {
  return fmt::format("window {} ({:.0f}-{:.0f} s)", w.index, w.start_s, w.end_s);
}

HeardWindow read_window(const nlohmann::json& w) {
  HeardWindow h;
  h.index = w.value("index", 0);
  h.start_s = w.value("start_s", 0.0);
  h.end_s = w.value("end_s", 0.0);
  h.silent = w.value("silent", false);
  if (w.contains("language") && w["language"].is_string()) h.language = w["language"].get<std::string>();
  if (w.contains("probability") && w["probability"].is_number()) h.probability = w["probability"].get<double>();
  // With --decode-in, "text" is in the dub's language and "detected_text" (when the window was
  // detected as another) in the detected one: what is shown is what was heard.
  h.text_in_expected = w.value("text", std::string());
  h.text = w.value("detected_text", h.text_in_expected);
  return h;
}

// What is wrong with one judged window ("" when nothing is).
std::string window_problem(const HeardWindow& w, const std::string& other_language, double min_confidence) {
  if (w.silent) {
    return fmt::format("{}: silent, but the original has speech here ({})", window_name(w),
                       quoted_or_nothing(w.expected_text));
  }
  if (w.confidence >= min_confidence) return "";
  return fmt::format(
      "{}: heard '{}' (p={:.2f}), expected '{}'{}: p({})={:.2f} against p({})={:.2f}, confidence {:.2f} < {:.2f}: {}",
      window_name(w), w.language, w.probability, w.expected_language, w.passthrough ? " (passed through)" : "",
      w.expected_language, w.p_expected, other_language, w.p_other, w.confidence, min_confidence,
      quoted_or_nothing(w.text));
}

void check_coverage(const nlohmann::json& reference, const std::vector<HeardWindow>& windows, double min_coverage,
                    HeardVerdict& v) {
  std::vector<std::string> expected;
  std::string heard;
  const bool per_segment = reference.contains("segments_6s");
  for (const auto& w : windows) {
    if (w.passthrough || w.expected_language.empty()) continue;
    // Only what was heard as Spanish counts: digits read out in English would match otherwise.
    // Counted from the dub-language decoding: Whisper base takes espeak-ng's Spanish for Italian on
    // near ties, and decoded as Italian its Spanish words would be lost.
    if (w.verdict == "ok") heard += w.text_in_expected + " ";
    if (!per_segment) continue;
    const auto seg = reference_segment(reference, w.index);
    for (auto& word : normalize_words_es(seg.value("expected_translation_es", std::string()))) {
      expected.push_back(std::move(word));
    }
  }
  if (!per_segment) {
    for (const auto& word : reference.value("expected_translation_es", nlohmann::json::array())) {
      for (auto& part : normalize_words_es(word.get<std::string>())) expected.push_back(std::move(part));
    }
  }
  const auto words = normalize_words_es(heard);
  v.expected_words = expected.size();
  std::size_t found = 0;
  for (const auto& word : expected) {
    if (std::find(words.begin(), words.end(), word) != words.end()) {
      ++found;
    } else {
      v.missing_words.push_back(word);
    }
  }
  v.coverage = expected.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(expected.size());
  if (v.coverage < min_coverage) {
    v.problems.push_back(fmt::format("the judge heard {:.0f}% of the expected Spanish words (< {:.0f}%); missing: {}",
                                     v.coverage * 100, min_coverage * 100, fmt::join(v.missing_words, " ")));
  }
}

// The recording as one file: a folder of MediaMTX segments is joined (remuxed) into `joined`.
std::string recording_file(const std::string& source, const fs::path& joined) {
  if (!fs::is_directory(source)) {
    if (!fs::exists(source)) throw dub::Error(fmt::format("recording not found: {}", source));
    return source;
  }
  const auto segments = recording_segments(source);
  if (segments.empty()) throw dub::Error(fmt::format("no recording in {}", source));
  if (segments.size() == 1) return segments.front().string();
  std::vector<std::string> inputs;
  inputs.reserve(segments.size());
  for (const auto& s : segments) inputs.push_back(s.string());
  dub::media::remux(inputs, joined.string());
  return joined.string();
}

// Removes the judge's container: stopping the docker client (its timeout, a cancelled step) leaves
// the container running on.
void remove_judge(const std::string& name) {
  try {
    run_command({"docker", "rm", "-f", name}, {}, {.limit = std::chrono::seconds(10), .cancellable = false});
  } catch (const dub::Error& e) {
    dub::log::warn("judge container not removed", {{"container", name}, {"error", e.what()}});
  }
}

nlohmann::json run_judge(const VerifyHeardStep& step, const fs::path& dir, double window_s) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(step.timeout).count();
  static std::atomic<int> judged{0};
  const auto name = fmt::format("dubctl-judge-{}-{}", ::getpid(), ++judged);
  const std::vector<std::string> argv = {"timeout",
                                         "-s",
                                         "KILL",
                                         std::to_string(secs),
                                         "docker",
                                         "run",
                                         "--rm",
                                         "--name",
                                         name,
                                         "--network",
                                         "none",
                                         "-v",
                                         dir.string() + ":/judge",
                                         step.image,
                                         "python",
                                         "-m",
                                         "dub_judge",
                                         "--audio",
                                         "/judge/heard.wav",
                                         "--window-s",
                                         fmt::format("{:g}", window_s),
                                         "--out",
                                         "/judge/heard.json",
                                         "--model",
                                         step.model,
                                         "--decode-in",
                                         step.language};
  CommandResult r;
  try {
    r = run_command(argv, {}, {.grace = std::chrono::milliseconds(200)});  // then removed: no need to wait long
  } catch (const Cancelled&) {
    remove_judge(name);
    throw;
  }
  if (r.exit_code == 137) remove_judge(name);
  if (r.exit_code != 0) {
    const auto& out = r.output;
    throw dub::Error(fmt::format("the judge (python -m dub_judge in {}) failed with exit code {}{}: {}", step.image,
                                 r.exit_code, r.exit_code == 137 ? " (killed at the step's timeout)" : "",
                                 out.size() > 2000 ? out.substr(out.size() - 2000) : out));
  }
  try {
    std::ifstream in(dir / "heard.json");
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw dub::Error(fmt::format("the judge wrote no readable {}: {}", (dir / "heard.json").string(), e.what()));
  }
}

}  // namespace

std::set<int> passthrough_windows(const nlohmann::json& worker, double window_s) {
  std::set<int> out;
  if (!worker.is_object() || !worker.contains("fragments") || !worker["fragments"].is_array()) return out;
  for (const auto& f : worker["fragments"]) {
    if (!f.is_object() || f.value("state", std::string()) != "passthrough") continue;
    const double pts_s = f.value("pts_ns", 0.0) / 1e9;
    out.insert(static_cast<int>(std::lround(pts_s / window_s)));
  }
  return out;
}

HeardVerdict judge_heard(const nlohmann::json& heard, const VerifyHeardStep& step, const nlohmann::json& reference,
                         const std::set<int>& passthrough, const std::string& passthrough_language) {
  HeardVerdict v;
  if (!heard.contains("windows") || !heard["windows"].is_array()) {
    v.problems.emplace_back("the judge's answer has no `windows` list");
    return v;
  }
  const bool have_reference = reference.is_object();
  bool any_speech = false;
  for (const auto& item : heard["windows"]) {
    auto w = read_window(item);
    const auto seg = reference_segment(reference, w.index);
    w.expected_text = seg.is_object() ? seg.value("text", std::string()) : std::string();
    const bool speech_expected = have_reference ? !w.expected_text.empty() : !w.silent;
    w.passthrough = passthrough.contains(w.index);
    // The question per window: the dub's language or the original's?
    const auto& other = w.passthrough ? step.language : passthrough_language;
    if (speech_expected) w.expected_language = w.passthrough ? passthrough_language : step.language;
    if (!w.expected_language.empty()) {
      w.p_expected = probability_of(item, w.expected_language);
      w.p_other = probability_of(item, other);
      w.confidence = w.p_expected + w.p_other > 0 ? w.p_expected / (w.p_expected + w.p_other) : 0;
    }
    if (!speech_expected) {
      w.verdict = "not judged: no speech in the original here";
    } else {
      any_speech = true;
      const auto problem = window_problem(w, other, step.min_confidence);
      w.verdict = problem.empty() ? "ok" : problem;
      if (!problem.empty()) v.problems.push_back(problem);
    }
    v.windows.push_back(std::move(w));
  }
  if (!any_speech) v.problems.emplace_back("the judge heard no speech in any window");
  if (have_reference) check_coverage(reference, v.windows, step.min_coverage, v);
  return v;
}

std::string verify_heard(const VerifyHeardStep& step, const fs::path& root, const fs::path& scenario_dir,
                         std::vector<std::pair<std::string, std::string>>& properties, HeardVerdict& evidence) {
  const auto t0 = std::chrono::steady_clock::now();
  auto source = step.media;
  if (fs::path(source).is_relative()) source = (root / source).string();
  nlohmann::json reference;  // null: none
  if (!step.reference.empty()) reference = read_sidecar(root / step.reference);
  const double window_s = window_seconds(step, reference);
  std::string passthrough_language = step.passthrough_language;
  if (passthrough_language.empty())
    passthrough_language = reference.is_object() ? reference.value("language", "en") : "en";

  // Absolute: docker reads a relative -v source as a volume name.
  const auto dir = fs::absolute(scenario_dir / "heard");
  fs::create_directories(dir);
  // The judge runs as an unprivileged user in its container and writes its answer here.
  fs::permissions(dir, fs::perms::all, fs::perm_options::add);
  const auto file = recording_file(source, dir / "joined.mp4");
  const auto pcm = dub::media::decode_audio(file, kJudgeRate, 1);
  dub::wav::write((dir / "heard.wav").string(), pcm.samples, pcm.sample_rate, pcm.channels);

  std::set<int> passthrough;
  const auto worker_url = step.media_service + "/v1/streams/" + step.stream;
  try {
    const auto r = dub::http::get(worker_url, std::chrono::seconds(3));
    if (r.status == 200) passthrough = passthrough_windows(nlohmann::json::parse(r.body), window_s);
    properties.emplace_back("heard_passthrough_windows", fmt::format("{}", fmt::join(passthrough, " ")));
  } catch (const std::exception& e) {
    properties.emplace_back("heard_passthrough_windows", fmt::format("unknown ({}: {})", worker_url, e.what()));
  }

  const auto heard = run_judge(step, dir, window_s);
  evidence = judge_heard(heard, step, reference, passthrough, passthrough_language);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  properties.emplace_back("judge_model", heard.value("model", step.model));
  properties.emplace_back("judge_time_s", fmt::format("{:.1f}", heard.value("total_s", 0.0)));
  properties.emplace_back("judge_wall_time_s", fmt::format("{:.1f}", wall_s));
  double min_confidence = 1;
  for (const auto& w : evidence.windows) {
    properties.emplace_back(
        fmt::format("heard_window_{}", w.index),
        fmt::format("{} p={:.2f}, {} confidence {:.2f}: {}", w.silent ? "silent" : w.language, w.probability,
                    w.expected_language.empty() ? "-" : w.expected_language, w.confidence, quoted_or_nothing(w.text)));
    if (!w.expected_language.empty()) min_confidence = std::min(min_confidence, w.confidence);
  }
  properties.emplace_back("heard_min_confidence", fmt::format("{:.3f}", min_confidence));
  if (reference.is_object()) properties.emplace_back("heard_coverage", fmt::format("{:.3f}", evidence.coverage));
  if (!evidence.problems.empty()) {
    throw dub::Error(fmt::format("{}: what the judge heard does not match:\n  - {}", fs::path(file).filename().string(),
                                 fmt::join(evidence.problems, "\n  - ")));
  }
  return fmt::format(
      "{} window(s) heard, each in the expected language (min confidence {:.2f}){} in {:.1f}s", evidence.windows.size(),
      min_confidence,
      reference.is_object() ? fmt::format(", {:.0f}% of the Spanish words", evidence.coverage * 100) : std::string(),
      wall_s);
}

}  // namespace dubctl
