#pragma once
// `dubctl run --var KEY=VALUE` and `--var-file FILE`: values for ${KEY} in scenarios only. Unlike
// --env, they never reach compose (no stack sees them), so a scenario can be parameterised without
// changing the stacks it runs against. A --var wins over the same key in a --var-file; a key given
// both as a variable and with --env is refused (one value per name).
#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

// The variables of a run: `file` (a YAML mapping of KEY: scalar; empty path: none), then `pairs`
// ("KEY=VALUE" each) over it. Throws dub::Error naming the pair, file or key that is malformed, or a
// key that `env` (--env) also sets.
EnvMap run_vars(const std::vector<std::string>& pairs, const std::filesystem::path& file, const EnvMap& env);

}  // namespace dubctl
