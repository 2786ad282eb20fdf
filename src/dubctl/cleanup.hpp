#pragma once
// When `dubctl run` tears its stacks down (--cleanup, as SkyWalking infra-e2e's `cleanup.on`):
//   always   every run (the default when CI=true)
//   success  only when every scenario passed: a local failure keeps the stacks to inspect
//            (the default otherwise)
//   failure  only when a scenario failed
//   never    never (what --keep-up means)
// An interrupted run (Ctrl-C, SIGTERM) always tears down.
#include <optional>
#include <string>

namespace dubctl {

enum class Cleanup { Always, Success, Failure, Never };

// "always" | "success" | "failure" | "never"; nullopt for anything else.
std::optional<Cleanup> parse_cleanup(const std::string& text);
std::string to_string(Cleanup c);
// The default for this environment: always when `ci` (the CI variable) is "true" or "1", else success.
Cleanup default_cleanup(const char* ci);
bool should_tear_down(Cleanup c, bool all_passed, bool interrupted);
// What to print when the stacks are kept: how to inspect them and how to take them down.
std::string kept_stacks_hint(const std::string& run_id = "");

}  // namespace dubctl
