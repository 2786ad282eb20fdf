#include "dub/sts/pcm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dub/util/error.hpp"

namespace dub::sts::pcm {

namespace {
constexpr float kScale = 32768.0F;
}  // namespace

std::vector<std::uint8_t> encode_s16le(std::span<const std::int16_t> samples) {
  std::vector<std::uint8_t> out;
  out.reserve(samples.size() * 2);
  for (const auto s : samples) {
    const auto u = static_cast<std::uint16_t>(s);
    out.push_back(static_cast<std::uint8_t>(u & 0xFFU));
    out.push_back(static_cast<std::uint8_t>(u >> 8U));
  }
  return out;
}

std::int16_t sample_at(std::span<const std::uint8_t> bytes, std::size_t index) {
  const auto lo = static_cast<std::uint16_t>(bytes[2 * index]);
  const auto hi = static_cast<std::uint16_t>(bytes[(2 * index) + 1]);
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | static_cast<std::uint16_t>(hi << 8U)));
}

std::vector<std::int16_t> decode_s16le(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % 2 != 0) throw Error(fmt::format("s16le: {} bytes is not a whole number of samples", bytes.size()));
  std::vector<std::int16_t> out(bytes.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = sample_at(bytes, i);
  return out;
}

float to_float(std::int16_t sample) {
  return static_cast<float>(sample) / kScale;
}

std::int16_t from_float(float x) {
  const float clipped = std::clamp(x, -1.0F, 32767.0F / kScale);
  return static_cast<std::int16_t>(std::lrint(clipped * kScale));
}

}  // namespace dub::sts::pcm
