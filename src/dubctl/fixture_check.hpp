#pragma once
// Fixtures a scenario publishes: where they are looked for, what to say when one is missing, and
// the check that runs before anything starts.
#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

// A bare name is looked for in fixtures/test_streams/; a relative path starts at the project root.
std::filesystem::path fixture_path(const std::string& fixture, const std::filesystem::path& root);

// "fixture not found: PATH (...)": the bundled fixtures, and how to regenerate them.
std::string missing_fixture_message(const std::filesystem::path& path, const std::filesystem::path& root);

// Every publish (and sts) step whose fixture is written without ${...} must name an existing file,
// unless the step is marked `expect_error` (a negative scenario). Throws dub::Error
// "file:line: steps[i].publish.fixture: fixture not found: ..." for the first one that does not.
void check_fixtures(const Scenario& scenario, const std::filesystem::path& root);

// The same check, every step: one "file:line: steps[i].publish.fixture: fixture not found: ..."
// per missing fixture (dubctl validate lists them all).
std::vector<std::string> missing_fixtures(const Scenario& scenario, const std::filesystem::path& root);

}  // namespace dubctl
