#pragma once
// Test-only fault injection (issue 11, the fault matrix): switches that really break what the
// media service publishes, so that a scenario can prove each of dubctl's checks fails on a broken
// pipeline. Every switch is off by default, and any of them set without MEDIA_FAULTS_ENABLED=1 is
// refused at startup: a deployment cannot break its output by a stray variable. The whole concern
// lives here; the pipeline calls these helpers at the one place each fault acts.
//
//   MEDIA_FAULT_AUDIO_SHIFT_MS   the output audio plays this much later than its video (drift)
//   MEDIA_FAULT_AUDIO_DRIFT_PPM  the output audio's clock runs this many parts per million slow
//                                against its video: a drift that grows (soak, drift trend)
//   MEDIA_FAULT_OUTPUT_LIMIT_MS  the output ends after this much program (duration), 0: off
//   MEDIA_FAULT_DROP_FRAGMENT    this fragment (sequence number) is never sent to the STS: it
//                                comes back by FRAGMENT_TIMEOUT only, as passthrough (count, phases)
//   MEDIA_FAULT_AUDIO_CODEC      mp3: the output audio is MP3 instead of AAC (codec)
//   MEDIA_FAULT_OUTPUT_HOLD_MS   each fragment is pushed to the output this long after its audio
//                                is final (dubbed audio back, or passthrough decided): output
//                                available late (US1-5)
//   MEDIA_FAULT_INPUT_DELAY_MS   a new worker waits this long before it opens its source: it joins
//                                the live stream late (ingest, US1-1)
//   MEDIA_FAULT_LEAK_MB          each fragment sent to the STS leaves this many MB allocated and
//                                written for good: memory that grows (soak, RSS growth)
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dub::media_service {

struct PcmFragment;

struct Faults {
  bool enabled = false;                        // MEDIA_FAULTS_ENABLED
  std::chrono::milliseconds audio_shift{0};    // MEDIA_FAULT_AUDIO_SHIFT_MS, 0..10 s
  std::int64_t audio_drift_ppm = 0;            // MEDIA_FAULT_AUDIO_DRIFT_PPM, 0..100000
  std::chrono::milliseconds output_limit{0};   // MEDIA_FAULT_OUTPUT_LIMIT_MS, 0: no limit
  std::optional<std::uint64_t> drop_fragment;  // MEDIA_FAULT_DROP_FRAGMENT
  std::string audio_codec;                     // MEDIA_FAULT_AUDIO_CODEC: "" (AAC as configured) or mp3
  std::chrono::milliseconds output_hold{0};    // MEDIA_FAULT_OUTPUT_HOLD_MS, 0..60 s
  std::chrono::milliseconds input_delay{0};    // MEDIA_FAULT_INPUT_DELAY_MS, 0..60 s
  int leak_mb = 0;                             // MEDIA_FAULT_LEAK_MB, 0..1024 per fragment

  // Reads the environment. Throws dub::Error naming the variable on a malformed value, and naming
  // every fault set when MEDIA_FAULTS_ENABLED is not 1.
  static Faults from_env();
  [[nodiscard]] bool any() const;
  // For /health and the startup log: the active faults only ({} when none).
  [[nodiscard]] nlohmann::json to_json() const;

  // Output timestamp of audio meant for output time `ts_ns` (MEDIA_FAULT_AUDIO_SHIFT_MS, and
  // MEDIA_FAULT_AUDIO_DRIFT_PPM: later by that share of `ts_ns`).
  [[nodiscard]] std::uint64_t audio_ts(std::uint64_t ts_ns) const;
  // MEDIA_FAULT_OUTPUT_LIMIT_MS: cuts `a`, which starts at program time `program_start_ns`, at the
  // limit. False when nothing of it is left to publish.
  [[nodiscard]] bool clip_to_output_limit(PcmFragment& a, std::int64_t program_start_ns) const;
  // Whether the video left after the last fragment still goes out (not past an output limit).
  [[nodiscard]] bool output_unlimited() const { return output_limit.count() == 0; }
  // MEDIA_FAULT_DROP_FRAGMENT: this fragment is lost on its way to the STS.
  [[nodiscard]] bool drops(std::uint64_t sequence) const { return drop_fragment && *drop_fragment == sequence; }
  // MEDIA_FAULT_LEAK_MB: leaves that much memory allocated, every page written (resident), for the
  // life of the process. Returns the MB leaked so far (0 when the fault is off).
  std::size_t leak() const;
  // MEDIA_FAULT_AUDIO_CODEC: the elements replacing the AAC encoder and parser; nullopt for AAC.
  struct AudioElements {
    std::string encoder;
    std::string parser;
    int sample_rate = 0;  // resampled to this first (FLV carries MP3 at 44.1 kHz at most)
  };
  [[nodiscard]] std::optional<AudioElements> audio_elements() const;
};

}  // namespace dub::media_service
