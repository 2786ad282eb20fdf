#include "dub/util/wav.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <fstream>

#include "dub/util/error.hpp"

namespace dub::wav {

namespace {

void put_u32(std::array<char, 44>& h, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) h[at + i] = static_cast<char>((v >> (8 * i)) & 0xffU);
}
void put_u16(std::array<char, 44>& h, std::size_t at, std::uint16_t v) {
  h[at] = static_cast<char>(v & 0xffU);
  h[at + 1] = static_cast<char>((v >> 8) & 0xffU);
}

}  // namespace

void write(const std::string& path, std::span<const std::int16_t> samples, int sample_rate, int channels) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * sizeof(std::int16_t));
  std::array<char, 44> h{};
  std::memcpy(h.data(), "RIFF", 4);
  put_u32(h, 4, 36 + data_bytes);
  std::memcpy(h.data() + 8, "WAVEfmt ", 8);
  put_u32(h, 16, 16);
  put_u16(h, 20, 1);  // PCM
  put_u16(h, 22, static_cast<std::uint16_t>(channels));
  put_u32(h, 24, static_cast<std::uint32_t>(sample_rate));
  put_u32(h, 28, static_cast<std::uint32_t>(sample_rate * channels * 2));
  put_u16(h, 32, static_cast<std::uint16_t>(channels * 2));
  put_u16(h, 34, 16);
  std::memcpy(h.data() + 36, "data", 4);
  put_u32(h, 40, data_bytes);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(h.data(), static_cast<std::streamsize>(h.size()));
  out.write(reinterpret_cast<const char*>(samples.data()), static_cast<std::streamsize>(data_bytes));
  if (!out) throw Error(fmt::format("cannot write {}", path));
}

}  // namespace dub::wav
