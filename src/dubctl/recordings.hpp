#pragma once
// MediaMTX runs as a user other than root (compose/media: `user: ${MEDIAMTX_USER:-65534:65534}`,
// "nobody" in both the upstream and the local image) and records the dubbed outputs into a folder of
// the host (MEDIA_RECORDINGS_DIR). That folder must be writable for it before the stack starts.
#include <filesystem>
#include <map>
#include <string>

#include "stacks.hpp"

namespace dubctl {

// The uid and gid of MEDIAMTX_USER ("UID:GID" or "UID", numbers; the gid defaults to the uid).
// Throws dub::Error naming the variable when it is not that.
struct NumericUser {
  unsigned uid = 0;
  unsigned gid = 0;
};
NumericUser parse_numeric_user(const std::string& value);

// The recordings folder of the media stack: MEDIA_RECORDINGS_DIR from `env` or the environment
// (default ./recordings), relative to the compose file's folder.
std::filesystem::path recordings_folder(const Stack& stack, const std::map<std::string, std::string>& env);

// Whether a compose volume source names a volume ("recordings") rather than a folder ("./recordings",
// "/srv/rec"): compose's own rule.
bool is_volume_name(const std::string& source);

// The compose environment for starting the media stack, its recordings folder made ready: created
// when missing; when dubctl runs as root, owned by MEDIAMTX_USER (what earlier runs left in it, once,
// when the folder is not that user's yet); when it does not, MEDIAMTX_USER defaults to dubctl's own
// uid:gid, the owner of the folder it creates. A volume (is_volume_name) is left as is: the MediaMTX
// image's /recordings, which a new volume starts from, is writable for any user. Throws dub::Error
// naming the folder when it cannot.
std::map<std::string, std::string> with_recordings_ready(const Stack& stack, std::map<std::string, std::string> env);

}  // namespace dubctl
