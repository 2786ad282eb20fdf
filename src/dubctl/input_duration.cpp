#include "input_duration.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dub/media/remux.hpp"

namespace fs = std::filesystem;

namespace dubctl {

double remux_published(const fs::path& fixture, double stop_after_s, const fs::path& target) {
  dub::media::RemuxOptions o;
  o.max_duration_s = stop_after_s;
  dub::media::remux({fixture.string()}, target.string(), o);
  return dub::media::probe(target.string()).span_s();
}

std::string describe_input(const fs::path& fixture, double stop_after_s) {
  const auto name = fixture.filename().string();
  if (stop_after_s > 0) return fmt::format("{} as published, cut after {:g} s", name, stop_after_s);
  return fmt::format("{} as published", name);
}

std::optional<std::string> duration_problem(const DurationBound& bound, const dub::media::MediaInfo& media) {
  const double found = media.span_s();
  if (std::abs(found - bound.expected_s) <= bound.tolerance_s) return std::nullopt;
  const auto expected = bound.input.empty() ? fmt::format("{:.3f} s ± {:.3f}", bound.expected_s, bound.tolerance_s)
                                            : fmt::format("the input's {:.3f} s ± {:.3f} ({})", bound.expected_s,
                                                          bound.tolerance_s, bound.input);
  return fmt::format("duration: expected {}, found {:.3f} s (from {:.3f} s to {:.3f} s)", expected, found,
                     media.start_s, media.duration_s);
}

}  // namespace dubctl
