#include "faults.hpp"

#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "dub/sts/protocol.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "segmenter.hpp"

namespace dub::media_service {

Faults Faults::from_env() {
  Faults f;
  f.enabled = env::get_bool("MEDIA_FAULTS_ENABLED", f.enabled);
  f.audio_shift = std::chrono::milliseconds(env::get_int("MEDIA_FAULT_AUDIO_SHIFT_MS", 0, 0, 10'000));
  f.audio_drift_ppm = env::get_int("MEDIA_FAULT_AUDIO_DRIFT_PPM", 0, 0, 100'000);
  f.output_limit = std::chrono::milliseconds(env::get_int("MEDIA_FAULT_OUTPUT_LIMIT_MS", 0, 0, 86'400'000));
  f.leak_mb = static_cast<int>(env::get_int("MEDIA_FAULT_LEAK_MB", 0, 0, 1024));
  if (env::get("MEDIA_FAULT_DROP_FRAGMENT")) {
    f.drop_fragment = static_cast<std::uint64_t>(env::get_int("MEDIA_FAULT_DROP_FRAGMENT", 0, 0, 1'000'000));
  }
  f.audio_codec = env::get_or("MEDIA_FAULT_AUDIO_CODEC", "");
  f.output_hold = std::chrono::milliseconds(env::get_int("MEDIA_FAULT_OUTPUT_HOLD_MS", 0, 0, 60'000));
  f.input_delay = std::chrono::milliseconds(env::get_int("MEDIA_FAULT_INPUT_DELAY_MS", 0, 0, 60'000));
  if (!f.audio_codec.empty() && f.audio_codec != "mp3") {
    throw Error(fmt::format("MEDIA_FAULT_AUDIO_CODEC='{}': the only wrong codec on offer is mp3", f.audio_codec));
  }
  if (f.any() && !f.enabled) {
    std::vector<std::string> set;
    for (const char* name : {"MEDIA_FAULT_AUDIO_SHIFT_MS", "MEDIA_FAULT_AUDIO_DRIFT_PPM", "MEDIA_FAULT_OUTPUT_LIMIT_MS",
                             "MEDIA_FAULT_DROP_FRAGMENT", "MEDIA_FAULT_AUDIO_CODEC", "MEDIA_FAULT_OUTPUT_HOLD_MS",
                             "MEDIA_FAULT_INPUT_DELAY_MS", "MEDIA_FAULT_LEAK_MB"}) {
      if (const auto value = env::get(name)) set.push_back(fmt::format("{}={}", name, *value));
    }
    throw Error(
        fmt::format("{}: test-only fault injection that breaks the output, refused unless MEDIA_FAULTS_ENABLED=1 "
                    "is set too (never in production)",
                    fmt::join(set, ", ")));
  }
  return f;
}

bool Faults::any() const {
  return audio_shift.count() > 0 || audio_drift_ppm > 0 || output_limit.count() > 0 || drop_fragment.has_value() ||
         !audio_codec.empty() || output_hold.count() > 0 || input_delay.count() > 0 || leak_mb > 0;
}

nlohmann::json Faults::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (audio_shift.count() > 0) j["audio_shift_ms"] = audio_shift.count();
  if (audio_drift_ppm > 0) j["audio_drift_ppm"] = audio_drift_ppm;
  if (leak_mb > 0) j["leak_mb"] = leak_mb;
  if (output_limit.count() > 0) j["output_limit_ms"] = output_limit.count();
  if (drop_fragment) j["drop_fragment"] = *drop_fragment;
  if (!audio_codec.empty()) j["audio_codec"] = audio_codec;
  if (output_hold.count() > 0) j["output_hold_ms"] = output_hold.count();
  if (input_delay.count() > 0) j["input_delay_ms"] = input_delay.count();
  return j;
}

std::uint64_t Faults::audio_ts(std::uint64_t ts_ns) const {
  const auto stretch =
      static_cast<std::uint64_t>(static_cast<double>(ts_ns) * static_cast<double>(audio_drift_ppm) / 1e6);
  return ts_ns + stretch + static_cast<std::uint64_t>(std::chrono::nanoseconds(audio_shift).count());
}

bool Faults::clip_to_output_limit(PcmFragment& a, std::int64_t program_start_ns) const {
  if (output_unlimited()) return true;
  const std::int64_t limit_ns = std::chrono::nanoseconds(output_limit).count();
  if (program_start_ns >= limit_ns) return false;
  if (program_start_ns + a.duration_ns <= limit_ns) return true;
  const std::int64_t keep_ns = limit_ns - program_start_ns;
  const auto frames =
      std::min<std::uint64_t>(a.frames(), static_cast<std::uint64_t>(keep_ns * a.sample_rate / 1'000'000'000));
  a.samples.resize(frames * static_cast<std::size_t>(a.channels));
  a.duration_ns = static_cast<std::int64_t>(sts::protocol::frames_to_ns(frames, a.sample_rate));
  return frames > 0;
}

std::size_t Faults::leak() const {
  // Kept reachable (not lost) so that the memory stays resident and leak checkers stay quiet.
  static std::mutex mutex;
  static std::vector<std::unique_ptr<char[]>> kept;
  const std::lock_guard lock(mutex);
  if (leak_mb > 0) {
    const auto bytes = static_cast<std::size_t>(leak_mb) << 20U;
    kept.push_back(std::make_unique_for_overwrite<char[]>(bytes));
    std::memset(kept.back().get(), 0x5a, bytes);  // written: resident, not just reserved
  }
  return kept.size() * static_cast<std::size_t>(leak_mb);
}

std::optional<Faults::AudioElements> Faults::audio_elements() const {
  if (audio_codec == "mp3") return AudioElements{"lamemp3enc", "mpegaudioparse", 44100};
  return std::nullopt;
}

}  // namespace dub::media_service
