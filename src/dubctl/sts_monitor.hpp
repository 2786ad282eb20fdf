#pragma once
// Watches the STS service's read-only /monitor namespace: a summary of every processed
// fragment, so a scenario can check what STS did for a pipeline it does not drive (FR-024).
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "dub/sio/client.hpp"
#include "steps/options.hpp"

namespace dubctl {

class StsMonitor {
 public:
  // Connects to `url` (http://host:port) namespace /monitor, sending `auth_token` (STS_AUTH_TOKEN)
  // when not empty; throws dub::Error naming the URL.
  explicit StsMonitor(const std::string& url, const std::string& auth_token = "");
  StsMonitor(const StsMonitor&) = delete;
  StsMonitor& operator=(const StsMonitor&) = delete;
  ~StsMonitor();

  [[nodiscard]] std::vector<nlohmann::json> summaries(const std::string& stream_id) const;
  [[nodiscard]] bool completed(const std::string& stream_id) const;
  // Blocks until `stream_id` has at least `count` summaries or `timeout` passes; returns how many it has.
  std::size_t wait_for(const std::string& stream_id, std::size_t count, Duration timeout);
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  void add(const nlohmann::json& summary);

  std::string url_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<nlohmann::json>> by_stream_;
  std::set<std::string> seen_;  // stream_id/sequence_number: hello's `recent` may repeat live events
  std::set<std::string> completed_;
  std::unique_ptr<dub::sio::Client> client_;
};

// The scenario's monitor; throws dub::Error when no `monitor:` step came before.
StsMonitor& need_monitor(const std::unique_ptr<StsMonitor>& monitor);

// Checks a stream's summaries against a VerifyFragmentsStep; returns a one-line description
// of what was found, throws dub::Error listing every problem. Adds figures to `properties`.
std::string verify_fragments(const VerifyFragmentsStep& step, const std::vector<nlohmann::json>& summaries,
                             const std::filesystem::path& root,
                             std::vector<std::pair<std::string, std::string>>& properties);

}  // namespace dubctl
