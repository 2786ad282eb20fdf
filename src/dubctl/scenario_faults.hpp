#pragma once
// Parsers of the fault-injection steps (scenario.hpp: FaultStep, VerifyWorkerStep), with the
// strict reader of scenario_reader.hpp: every problem is "file:line: dotted.key: problem".
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "scenario.hpp"

namespace dubctl::scenario_detail {

// `fault: {stack: sts, service: sts-service, action: kill, after: 12s, timeout: 2m}`
FaultStep parse_fault(const YAML::Node& value, const std::string& path, const std::filesystem::path& file);

// `verify: {worker: {state: completed, phases: [...], ...}}` (the node under `worker`)
VerifyWorkerStep parse_verify_worker(const YAML::Node& value, const std::string& path,
                                     const std::filesystem::path& file);

}  // namespace dubctl::scenario_detail
