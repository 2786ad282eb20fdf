#include "fixture_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

fs::path fixture_path(const std::string& fixture, const fs::path& root) {
  fs::path p(fixture);
  if (p.is_absolute()) return p;
  if (!p.has_parent_path()) return root / "fixtures" / "test_streams" / p;
  return root / p;
}

std::string missing_fixture_message(const fs::path& path, const fs::path& root) {
  // The long streams of the soak scenarios are made, not bundled (scripts/make-long-stream).
  const auto name = path.filename().string();
  const auto seconds = name.find("s-english-speech.mp4");
  if (path.parent_path() == root / "out" / "generated" && seconds != std::string::npos && seconds > 0) {
    return fmt::format(
        "generated stream not found: {} (make it with scripts/make-long-stream {}; scripts/test-all "
        "and scripts/bench make what they run)",
        path.string(), name.substr(0, seconds));
  }
  const auto dir = root / "fixtures" / "test_streams";
  std::vector<std::string> bundled;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (ext == ".mp4" || ext == ".ts") bundled.push_back(entry.path().filename().string());
  }
  std::sort(bundled.begin(), bundled.end());
  const auto have = bundled.empty() ? std::string("none are there")
                                    : fmt::format("the bundled ones are {}", fmt::join(bundled, ", "));
  return fmt::format(
      "fixture not found: {} (a bare name is looked for in fixtures/test_streams/, where {}; correct the name, "
      "or regenerate the bundled fixtures with scripts/make-fixtures)",
      path.string(), have);
}

std::vector<std::string> missing_fixtures(const Scenario& scenario, const fs::path& root) {
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const auto& step = scenario.steps[i];
    const auto fixture = step.action->fixture();
    // A skipped step does not run: its fixture is not needed.
    if (fixture.empty() || step.skip || step.expect_error || fixture.find("${") != std::string::npos) continue;
    const auto path = fixture_path(fixture, root);
    if (!fs::exists(path)) {
      missing.push_back(fmt::format("{}:{}: steps[{}].{}.fixture: {}", scenario.file.string(), step.line, i, step.kind,
                                    missing_fixture_message(path, root)));
    }
  }
  return missing;
}

std::string missing_fixtures_reason(const Scenario& scenario, const fs::path& root) {
  return fmt::format("{}", fmt::join(missing_fixtures(scenario, root), "\n"));
}

}  // namespace dubctl
