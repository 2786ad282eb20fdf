#include "recordings.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "dub/util/env.hpp"
#include "dub/util/error.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr const char* kDefaultUser = "65534:65534";  // compose/media/docker-compose.e2e.yml

// `name` from the compose environment, else the process environment, else `fallback`.
std::string setting(const std::map<std::string, std::string>& env, const std::string& name,
                    const std::string& fallback) {
  if (const auto it = env.find(name); it != env.end() && !it->second.empty()) return it->second;
  if (const auto value = dub::env::get(name.c_str()); value && !value->empty()) return *value;
  return fallback;
}

bool parse_id(std::string_view text, unsigned& out) {
  const auto* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && at == end;
}

void give(const fs::path& path, const NumericUser& user) {
  if (::lchown(path.c_str(), user.uid, user.gid) != 0) {
    throw dub::Error(fmt::format("cannot give {} to MEDIAMTX_USER {}:{} (MediaMTX records there): {}", path.string(),
                                 user.uid, user.gid, std::strerror(errno)));
  }
}

}  // namespace

NumericUser parse_numeric_user(const std::string& value) {
  const auto colon = value.find(':');
  NumericUser user;
  const bool ok = parse_id(std::string_view(value).substr(0, colon), user.uid) &&
                  (colon == std::string::npos ? (user.gid = user.uid, true)
                                              : parse_id(std::string_view(value).substr(colon + 1), user.gid));
  if (!ok) throw dub::Error(fmt::format("MEDIAMTX_USER='{}': use UID:GID in numbers, e.g. 65534:65534", value));
  return user;
}

fs::path recordings_folder(const Stack& stack, const std::map<std::string, std::string>& env) {
  const fs::path dir = setting(env, "MEDIA_RECORDINGS_DIR", "./recordings");
  return (dir.is_absolute() ? dir : stack.compose_file.parent_path() / dir).lexically_normal();
}

bool is_volume_name(const std::string& source) {
  return !source.empty() && source.front() != '.' && source.front() != '/' && source.front() != '~' &&
         source.find('/') == std::string::npos;
}

std::map<std::string, std::string> with_recordings_ready(const Stack& stack, std::map<std::string, std::string> env) {
  // A volume of the engine (MEDIA_RECORDINGS_DIR=recordings): nothing of this machine to make ready.
  if (is_volume_name(setting(env, "MEDIA_RECORDINGS_DIR", ""))) return env;
  const auto dir = recordings_folder(stack, env);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw dub::Error(fmt::format("cannot create the recordings folder {}: {}", dir.string(), ec.message()));
  if (::geteuid() != 0) {
    // Not root: the folder is dubctl's user's, and so is MediaMTX unless told otherwise.
    if (setting(env, "MEDIAMTX_USER", "").empty()) env["MEDIAMTX_USER"] = fmt::format("{}:{}", ::getuid(), ::getgid());
    return env;
  }
  const auto user = parse_numeric_user(setting(env, "MEDIAMTX_USER", kDefaultUser));
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && st.st_uid == user.uid && st.st_gid == user.gid) return env;
  give(dir, user);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) give(entry.path(), user);
  return env;
}

}  // namespace dubctl
