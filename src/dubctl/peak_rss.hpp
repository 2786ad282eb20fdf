#pragma once
// Peak resident memory of a container's main process, measured as scripts/bench does
// (benchkit/sampling.py): VmHWM of /proc/<pid>/status, <pid> the one Docker reports (.State.Pid),
// read on this host. VmHWM is the process's high-water mark since it started, so a figure read
// after a run bounds all of it (and what the process did before, when a stack was reused).
#include <chrono>
#include <optional>
#include <string>

namespace dubctl {

// `verify: {rss: {stack: sts, service: sts-service, max_mb: 800}}` (steps/verify_rss.cpp).
struct VerifyRssStep {
  std::string stack;    // media or sts
  std::string service;  // a compose service of that stack
  double max_mb = 0;    // the bound on its peak RSS, MB (1024 kB)
  // The bound on how far its RSS may have grown since the scenario's first `verify: {rss}` of the
  // same service (a soak's samples at start, middle and end: memory flat, not just bounded). Each
  // sample is the floor: the lowest VmRSS over `window`, polled every 250 ms, so that a fragment
  // in flight (Whisper holds ~100 MB more while it runs) is not read as growth.
  std::optional<double> max_growth_mb;
  std::chrono::milliseconds window{6000};  // one fragment period (SEGMENT_DURATION's default)
};

struct ProcessMemory {
  long long peak_kb = 0;  // VmHWM
  long long now_kb = 0;   // VmRSS
};

// MB as the benchmarks report them: kB / 1024.
inline double to_mb(long long kb) {
  return static_cast<double>(kb) / 1024.0;
}

// VmHWM and VmRSS of a /proc/<pid>/status text. Throws dub::Error naming a line that is missing.
ProcessMemory parse_proc_status(const std::string& status);

// The memory of the main process of the running container `container` (a name or an id). Throws
// dub::Error when Docker does not say its pid, or this host cannot read its /proc entry (a Docker
// engine on another host).
ProcessMemory container_memory(const std::string& container);

// "sts-service: peak RSS 912.4 MB (VmHWM of its main process) is over the 800 MB bound"; nullopt
// when within it.
std::optional<std::string> rss_problem(const std::string& service, const ProcessMemory& memory, double max_mb);

// "sts-service: RSS grew 60.2 MB since the first sample of this scenario (300.0 -> 360.2 MB), over the
// 50 MB bound"; nullopt when within it (or when it shrank).
std::optional<std::string> rss_growth_problem(const std::string& service, long long first_kb, long long now_kb,
                                              double max_growth_mb);

}  // namespace dubctl
