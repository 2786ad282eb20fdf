#include "expect_error.hpp"

#include <fmt/format.h>

namespace dubctl {

ExpectedErrorVerdict judge_expected_error(const std::string& expected, const std::optional<std::string>& error) {
  if (!error) {
    return {false,
            fmt::format("the step succeeded, but it was expected to fail with an error containing '{}'", expected)};
  }
  if (error->find(expected) == std::string::npos) {
    return {false,
            fmt::format("the step failed as expected, but its error does not contain '{}': {}", expected, *error)};
  }
  return {true, fmt::format("failed as expected: {}", *error)};
}

}  // namespace dubctl
