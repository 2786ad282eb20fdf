#pragma once
// The one exception type the project throws for user-facing failures: its message
// says what went wrong and, where it can, what to do about it.
#include <stdexcept>
#include <string>

namespace dub {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace dub
