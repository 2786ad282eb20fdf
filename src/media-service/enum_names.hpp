#pragma once
// to_string() for the service's enums: names in declaration order, "unknown" outside the table.
#include <array>
#include <cstddef>

namespace dub::media_service {

template <typename E, std::size_t N>
const char* enum_name(E value, const std::array<const char*, N>& names) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "unknown";
}

}  // namespace dub::media_service
