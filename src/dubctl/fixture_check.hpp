#pragma once
// Fixtures a scenario publishes: where they are looked for, what to say when one is missing, and
// the check that runs before a scenario starts.
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
// unless the step is marked `expect_error` (a negative scenario) or `skip` (it does not run). Why
// `scenario` cannot run on this checkout: one "file:line: steps[i].publish.fixture: fixture not
// found: ..." line per missing fixture (which file, where it was looked for, how to regenerate it);
// "" when all are there.
// `dubctl run` reports such a scenario as skipped with this reason (spec edge case 8).
std::string missing_fixtures_reason(const Scenario& scenario, const std::filesystem::path& root);

// The same, as a list (dubctl validate prints them all).
std::vector<std::string> missing_fixtures(const Scenario& scenario, const std::filesystem::path& root);

}  // namespace dubctl
