#include "segment_dump.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "dub/sts/stream_name.hpp"
#include "dub/util/log.hpp"
#include "dub/util/wav.hpp"
#include "worker_common.hpp"

namespace dub::media_service {

void dump_fragment_wav(const std::string& dir, const std::string& stream, std::uint64_t sequence, const char* side,
                       std::span<const std::int16_t> samples, int sample_rate, int channels) {
  try {
    const auto path = std::filesystem::path(dir) / sts::stream_name::stream_id(stream);
    std::filesystem::create_directories(path);
    wav::write((path / fmt::format("{:06d}-{}.wav", sequence, side)).string(), samples, sample_rate, channels);
  } catch (const std::exception& e) {
    dub::log::warn("cannot write the fragment to SEGMENT_DIR", stream_fields(stream, {{"error", e.what()}}));
  }
}

}  // namespace dub::media_service
