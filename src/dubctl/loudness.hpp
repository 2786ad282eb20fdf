#pragma once
// Is the dubbed audio audible and clean? EBU R128 figures of a recording against the original, with
// libavfilter's ebur128 filter (integrated loudness, true peak) over the whole file and over each
// window of the pipeline's fragment length:
//   verify:
//     media: compose/media/recordings/live/${stream}/out
//     expect:
//       loudness: {reference: 30s-english-speech.mp4, window: 6s, max_difference_lu: 3,
//                  max_true_peak_dbtp: -1, max_clipped_samples: 0, silence_lufs: -50}
// Checked: the integrated loudness of the whole file is within max_difference_lu of the reference's,
// and so is every window where the reference has speech (louder than silence_lufs), which must not
// be silent; the true peak stays below max_true_peak_dbtp; at most max_clipped_samples decoded
// samples sit at full scale (the decoder saturates what an encoder pushed over it).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dub/media/decode.hpp"

namespace dubctl {

struct LoudnessExpect {
  std::string reference;  // the original: a fixture name or a path from the project root; ${...} expanded
  std::chrono::milliseconds window{6000};
  double max_difference_lu = 3;                    // whole file
  std::optional<double> max_window_difference_lu;  // each window with speech in the reference (default: the above)
  double max_true_peak_dbtp = -1;
  std::int64_t max_clipped_samples = 0;
  double silence_lufs = -50;  // a window quieter than this is silent

  [[nodiscard]] double window_limit_lu() const { return max_window_difference_lu.value_or(max_difference_lu); }
};

// ebur128's integrated loudness when nothing passes its gates (silence).
inline constexpr double kSilentLufs = -70.0;

struct LoudnessFigures {
  double integrated_lufs = kSilentLufs;
  double true_peak_dbtp = -200;  // -200: digital silence
  double sample_peak_dbfs = -200;
  std::int64_t clipped_samples = 0;  // samples at full scale
  double duration_s = 0;
};

// The figures of frames [from, to) of `pcm` (interleaved 16-bit), by libavfilter's ebur128.
// Throws dub::Error when the filter graph cannot be built.
LoudnessFigures measure_loudness(const dub::media::Pcm& pcm, std::size_t from_frame, std::size_t to_frame);

struct LoudnessWindow {
  int index = 0;
  double start_s = 0;
  double end_s = 0;
  LoudnessFigures media;
  LoudnessFigures reference;
  bool reference_speech = false;  // the reference is louder than silence_lufs here
  std::string problem;            // "" when the window is fine
};

struct LoudnessReport {
  LoudnessExpect expect;
  std::string reference_file;
  LoudnessFigures media;
  LoudnessFigures reference;
  std::vector<LoudnessWindow> windows;
  std::vector<std::string> problems;  // empty: every check passed

  // JUnit properties: loudness_lufs, loudness_reference_lufs, loudness_difference_lu,
  // true_peak_dbtp, sample_peak_dbfs, clipped_samples, loudness_window_lufs, ...
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> properties() const;
};

// Compares two decoded tracks (windows from the start of each).
LoudnessReport compare_loudness(const dub::media::Pcm& media, const dub::media::Pcm& reference,
                                const LoudnessExpect& expect);

// Decodes `media` and `reference_file` (their first audio tracks) and compares them.
LoudnessReport check_loudness(const std::string& media, const std::string& reference_file,
                              const LoudnessExpect& expect);

}  // namespace dubctl
