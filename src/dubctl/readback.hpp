#pragma once
// Where dubctl reads a stream's dubbed output. MediaMTX records live/<stream>/out (mediamtx.yml) into
// MEDIA_RECORDINGS_DIR; DUBCTL_READBACK says how dubctl gets at it:
//   folder    (the default) that folder, on this machine: the stacks run on this machine's engine;
//   playback  over the network from MediaMTX's playback server (${mediamtx.playback}: /list, then /get
//             of each recording) into <artifacts>/<scenario>/readback/live/<stream>/out: for a Docker
//             engine elsewhere (DOCKER_HOST), whose folders and volumes this machine cannot read.
// ${recording} is that folder either way. A playback folder holds a `.readback` file with its /list
// URL, and recording_segments() fetches the recordings again before listing them: every check that
// reads ${recording} (verify media, content sync, the judge, dubbed.mp4) sees what MediaMTX serves.
#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

enum class Readback { Folder, Playback };

// DUBCTL_READBACK from the environment (unset or empty: folder). Throws dub::Error naming the values
// it takes.
Readback readback_mode();

// The folder ${recording} names for `stream`. Folder mode: MediaMTX's recordings folder
// (MEDIA_RECORDINGS_DIR from `vars` or the environment, relative to compose/media) / live/<stream>/out.
// Playback mode: ${artifacts}/readback/live/<stream>/out, made and marked with the /list URL on
// ${mediamtx.playback} (both must be in `vars`).
std::filesystem::path recording_folder(const EnvMap& vars, const std::filesystem::path& root,
                                       const std::string& stream);

// The recording segments in `dir`, oldest first (MediaMTX names them after their start time). A
// playback folder is fetched first (fetch_recordings; its errors are thrown) unless `fetch` is false:
// then it holds what the last fetch got. A folder that does not exist has none.
std::vector<std::filesystem::path> recording_segments(const std::filesystem::path& dir, bool fetch = true);

// Downloads every recording MediaMTX's playback server lists at `list_url` into `dir`, one file per
// recording named after its start as MediaMTX names its segments. A 404 (nothing recorded) fetches
// nothing. Throws dub::Error naming the URL when the server cannot be read. Returns the files.
std::vector<std::filesystem::path> fetch_recordings(const std::string& list_url, const std::filesystem::path& dir);

// "2026-12-05T12:32:43.44053Z" -> "2026-12-05_12-32-43-440530": MediaMTX's %Y-%m-%d_%H-%M-%S-%f.
// Throws dub::Error when `start` is not an RFC 3339 UTC time.
std::string segment_name(const std::string& start);

}  // namespace dubctl
