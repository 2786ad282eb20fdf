#include "golden.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dubctl {

namespace {

using dub::media::StreamType;

constexpr double kDurationTolerance = 0.5;  // s
constexpr double kStartTolerance = 0.1;     // s
constexpr double kFrameRateShare = 0.01;    // of the frame rate

GoldenField text(std::string name, std::string value) {
  return {.name = std::move(name), .text = std::move(value)};
}

GoldenField exact(std::string name, double value) {
  return {.name = std::move(name), .value = value};
}

GoldenField within(std::string name, double value, double tolerance) {
  return {.name = std::move(name), .value = value, .tolerance = std::round(tolerance * 1000) / 1000};
}

// What 0.5 s of the stream holds (at least 1), from its own duration or, failing that, the file's.
double packet_tolerance(const dub::media::StreamInfo& s, double span_s) {
  const double seconds = s.duration_s > 0 ? s.duration_s : span_s;
  const double count = static_cast<double>(s.packets);
  const double tolerance = seconds > 0 ? count / seconds * kDurationTolerance : count * 0.02;
  return std::max(1.0, std::ceil(tolerance));
}

GoldenSection describe_stream(const dub::media::StreamInfo& s, double span_s) {
  GoldenSection out;
  auto& f = out.fields;
  f.push_back(text("type", std::string(dub::media::to_string(s.type))));
  f.push_back(text("codec", s.codec));
  if (!s.profile.empty()) f.push_back(text("profile", s.profile));
  if (!s.language.empty()) f.push_back(text("language", s.language));
  if (s.type == StreamType::Video) {
    f.push_back(exact("width", s.width));
    f.push_back(exact("height", s.height));
    f.push_back(within("frame_rate", s.frame_rate, std::max(0.01, s.frame_rate * kFrameRateShare)));
    f.push_back(exact("has_b_frames", s.has_b_frames));
  } else if (s.type == StreamType::Audio) {
    f.push_back(exact("sample_rate", s.sample_rate));
    f.push_back(exact("channels", s.channels));
  }
  f.push_back(within("start_time", s.start_s, kStartTolerance));
  f.push_back(within("duration", s.duration_s, kDurationTolerance));
  if (s.packets >= 0) f.push_back(within("packets", static_cast<double>(s.packets), packet_tolerance(s, span_s)));
  return out;
}

std::string shown(const GoldenField& f) {
  return f.text ? *f.text : golden_number(f.value);
}

// The key a problem or change names: "duration", "streams[1].sample_rate (audio)".
std::string key_of(const std::string& prefix, const std::string& name, const GoldenSection& section) {
  if (prefix.empty()) return name;
  const auto* type = section.find("type");
  return fmt::format("{}{}{}", prefix, name, type != nullptr && type->text ? " (" + *type->text + ")" : "");
}

bool matches(const GoldenField& want, const GoldenField& got) {
  if (want.text) return got.text == want.text;
  if (got.text) return false;
  if (!want.tolerance) return golden_number(want.value) == golden_number(got.value);
  return std::abs(got.value - want.value) <= *want.tolerance + 1e-9;
}

std::string mismatch(const std::string& key, const GoldenField& want, const GoldenField* got) {
  const auto found = got != nullptr ? shown(*got) : std::string("none");
  if (!want.tolerance) return fmt::format("{}: expected {}, got {} (exact)", key, shown(want), found);
  const auto off =
      got != nullptr && !got->text ? fmt::format(", off by {}", golden_number(got->value - want.value)) : std::string();
  return fmt::format("{}: expected {} ± {}, got {}{}", key, shown(want), golden_number(*want.tolerance), found, off);
}

void compare_section(const std::string& prefix, const GoldenSection& want, const GoldenSection& got,
                     std::vector<std::string>& problems) {
  for (const auto& field : want.fields) {
    const auto* found = got.find(field.name);
    if (found == nullptr || !matches(field, *found)) {
      problems.push_back(mismatch(key_of(prefix, field.name, want), field, found));
    }
  }
}

// `old`'s fields with `fresh`'s values; a field `fresh` no longer has is dropped.
GoldenSection merge_section(const std::string& prefix, const GoldenSection& old, const GoldenSection& fresh,
                            std::vector<std::string>& changes) {
  GoldenSection out;
  for (const auto& field : old.fields) {
    const auto* now = fresh.find(field.name);
    const auto key = key_of(prefix, field.name, old);
    if (now == nullptr) {
      changes.push_back(fmt::format("{}: {} -> none (left out)", key, shown(field)));
      continue;
    }
    auto kept = field;
    kept.text = now->text;
    kept.value = now->value;
    if (shown(kept) != shown(field)) changes.push_back(fmt::format("{}: {} -> {}", key, shown(field), shown(kept)));
    out.fields.push_back(std::move(kept));
  }
  return out;
}

std::string type_of(const GoldenSection& s) {
  const auto* type = s.find("type");
  return type != nullptr && type->text ? *type->text : "?";
}

}  // namespace

const GoldenField* GoldenSection::find(const std::string& name) const {
  const auto it = std::find_if(fields.begin(), fields.end(), [&](const GoldenField& f) { return f.name == name; });
  return it == fields.end() ? nullptr : &*it;
}

std::string golden_number(double value) {
  const double rounded = std::round(value * 1000) / 1000;
  if (std::abs(rounded - std::round(rounded)) < 1e-9) return fmt::format("{}", std::llround(rounded));
  auto out = fmt::format("{:.3f}", rounded);
  while (out.back() == '0') out.pop_back();
  return out;
}

Golden describe_golden(const dub::media::MediaInfo& info) {
  Golden g;
  g.media.fields = {text("container", info.container), within("duration", info.duration_s, kDurationTolerance),
                    within("start_time", info.start_s, kStartTolerance)};
  for (const auto& s : info.streams) g.streams.push_back(describe_stream(s, info.span_s()));
  return g;
}

std::vector<std::string> compare_golden(const Golden& expected, const Golden& got) {
  std::vector<std::string> problems;
  compare_section("", expected.media, got.media, problems);
  if (expected.streams.size() != got.streams.size()) {
    problems.push_back(fmt::format("streams: expected {}, got {}", expected.streams.size(), got.streams.size()));
  }
  for (std::size_t i = 0; i < std::min(expected.streams.size(), got.streams.size()); ++i) {
    compare_section(fmt::format("streams[{}].", i), expected.streams[i], got.streams[i], problems);
  }
  return problems;
}

Golden update_golden(const Golden& old, const Golden& fresh, std::vector<std::string>& changes) {
  Golden out;
  out.media = merge_section("", old.media, fresh.media, changes);
  for (std::size_t i = 0; i < fresh.streams.size(); ++i) {
    const auto prefix = fmt::format("streams[{}]", i);
    const auto& now = fresh.streams[i];
    if (i < old.streams.size() && type_of(old.streams[i]) == type_of(now)) {
      out.streams.push_back(merge_section(prefix + ".", old.streams[i], now, changes));
      continue;
    }
    changes.push_back(i < old.streams.size() ? fmt::format("{}: {} -> {} (default tolerances)", prefix,
                                                           type_of(old.streams[i]), type_of(now))
                                             : fmt::format("{}: added ({}, default tolerances)", prefix, type_of(now)));
    out.streams.push_back(now);
  }
  for (std::size_t i = fresh.streams.size(); i < old.streams.size(); ++i) {
    changes.push_back(fmt::format("streams[{}]: removed ({})", i, type_of(old.streams[i])));
  }
  return out;
}

}  // namespace dubctl
