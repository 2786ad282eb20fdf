#include "readback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>

#include "dub/http/client.hpp"
#include "dub/sts/stream_name.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "recordings.hpp"
#include "stacks.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr const char* kMarker = ".readback";  // a playback folder's /list URL
constexpr auto kFetchTimeout = std::chrono::seconds(60);
constexpr std::size_t kMaxRecordingBytes = std::size_t{2} * 1024 * 1024 * 1024;

std::string read_marker(const fs::path& dir) {
  std::ifstream in(dir / kMarker);
  std::string url;
  std::getline(in, url);
  return url;
}

void write_file(const fs::path& file, const std::string& bytes) {
  const auto tmp = fs::path(file.string() + ".part");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw dub::Error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, file);
}

}  // namespace

Readback readback_mode() {
  const auto value = dub::env::get_or("DUBCTL_READBACK", "");
  if (value.empty() || value == "folder") return Readback::Folder;
  if (value == "playback") return Readback::Playback;
  throw dub::Error(fmt::format(
      "DUBCTL_READBACK={}: use folder (the default: MediaMTX's recordings folder on this machine) or playback "
      "(over the network from MediaMTX's playback server, for a Docker engine elsewhere)",
      value));
}

fs::path recording_folder(const EnvMap& vars, const fs::path& root, const std::string& stream) {
  const auto out = dub::sts::stream_name::output_path(stream);
  if (readback_mode() == Readback::Folder) {
    const auto it = vars.find("MEDIA_RECORDINGS_DIR");
    const auto source = it != vars.end() ? it->second : dub::env::get_or("MEDIA_RECORDINGS_DIR", "");
    if (is_volume_name(source)) {
      throw dub::Error(
          fmt::format("MEDIA_RECORDINGS_DIR={} is a volume of the Docker engine, not a folder this "
                      "machine can read: set DUBCTL_READBACK=playback to read the recordings over the "
                      "network (MediaMTX's playback server)",
                      source));
    }
    return recordings_folder(stacks_for("media", root).front(), vars) / out;
  }
  const auto artifacts = vars.find("artifacts");
  const auto playback = vars.find("mediamtx.playback");
  if (artifacts == vars.end() || playback == vars.end()) {
    throw dub::Error("DUBCTL_READBACK=playback needs ${artifacts} and ${mediamtx.playback}");
  }
  auto dir = fs::path(artifacts->second) / "readback" / out;
  fs::create_directories(dir);
  std::ofstream(dir / kMarker) << fmt::format("{}/list?path={}\n", playback->second, out);
  return dir;
}

std::vector<fs::path> recording_segments(const fs::path& dir, bool fetch) {
  if (const auto url = read_marker(dir); fetch && !url.empty()) fetch_recordings(url, dir);
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::error_code file_ec;  // a segment may vanish while we look
    if (entry.is_regular_file(file_ec) && entry.path().extension() == ".mp4" && entry.file_size(file_ec) > 0 &&
        !file_ec) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());  // names are start times: %Y-%m-%d_%H-%M-%S-%f
  return files;
}

std::vector<fs::path> fetch_recordings(const std::string& list_url, const fs::path& dir) {
  const auto list = dub::http::get(list_url, kFetchTimeout);
  if (list.status == 404) return {};  // nothing recorded (yet)
  if (!list.ok()) {
    throw dub::Error(fmt::format("MediaMTX's playback server answered {} to {}: {}", list.status, list_url, list.body));
  }
  std::vector<fs::path> files;
  dub::http::RequestOptions options;
  options.timeout = kFetchTimeout;
  options.max_body_bytes = kMaxRecordingBytes;
  for (const auto& entry : list.json()) {
    if (!entry.is_object() || !entry.contains("start") || !entry.contains("url")) {
      throw dub::Error(fmt::format("{} listed a recording without start and url: {}", list_url, entry.dump()));
    }
    const auto url = entry.at("url").get<std::string>();
    const auto got = dub::http::request("GET", url, {}, options);
    if (!got.ok()) {
      throw dub::Error(
          fmt::format("MediaMTX's playback server answered {} to {}: {}", got.status, url, got.body.substr(0, 300)));
    }
    const auto file = dir / (segment_name(entry.at("start").get<std::string>()) + ".mp4");
    write_file(file, got.body);
    files.push_back(file);
  }
  return files;
}

std::string segment_name(const std::string& start) {
  static const std::regex re(R"((\d{4}-\d\d-\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d))");
  std::smatch m;
  if (!std::regex_match(start, m, re)) {
    throw dub::Error(fmt::format("'{}' is not an RFC 3339 time (MediaMTX's playback /list start)", start));
  }
  auto fraction = m[5].str().substr(0, 6);
  fraction.append(6 - fraction.size(), '0');
  return fmt::format("{}_{}-{}-{}-{}", m[1].str(), m[2].str(), m[3].str(), m[4].str(), fraction);
}

}  // namespace dubctl
