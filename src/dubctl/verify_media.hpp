#pragma once
// `verify: {media: SOURCE, expect: {...}}`: probes a file, folder of recordings or URL and checks
// what `expect` says (codecs, tracks, duration, A/V drift, unlike the original).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "evidence.hpp"
#include "scenario.hpp"

namespace dubctl {

// Returns a one-line summary; throws dub::Error listing every expectation the media does not meet.
// Measured figures are appended to `properties` (JUnit) and `evidence` (report.html).
std::string verify_media(const VerifyMediaStep& step, const std::filesystem::path& root, const EnvMap& vars,
                         std::vector<std::pair<std::string, std::string>>& properties, ScenarioEvidence& evidence);

}  // namespace dubctl
