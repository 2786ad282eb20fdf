#pragma once
// Negative scenarios: a step marked `expect_error: TEXT` passes only when it fails with a message
// containing TEXT; it fails when it succeeds or fails for another reason.
#include <optional>
#include <string>

namespace dubctl {

struct ExpectedErrorVerdict {
  bool passed = false;
  std::string message;  // passed: what the step said; failed: why the scenario fails
};

// `error`: the step's failure message, or nothing when it succeeded.
ExpectedErrorVerdict judge_expected_error(const std::string& expected, const std::optional<std::string>& error);

}  // namespace dubctl
