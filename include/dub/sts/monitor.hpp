#pragma once
// Typed decoders of the STS service's read-only /monitor namespace (docs/protocol.md, /monitor):
// monitor:hello (with the recent summaries), fragment:summary, stream:started, stream:completed.
// Same strictness as the main namespace's decoders: dub::Error naming the event and the field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dub/sts/client.hpp"

namespace dub::sts {

struct StsStageTimings {
  double asr = 0;
  double translation = 0;
  double tts = 0;
};

// fragment:summary: one answered fragment, as the service reports it to observers (no audio).
struct StsFragmentSummary {
  std::string client_sid;
  std::string stream_id;
  std::string fragment_id;
  std::uint64_t sequence_number = 0;
  std::int64_t pts_ns = 0;
  std::int64_t duration_ns = 0;
  std::string status;  // protocol::kStatuses
  std::string transcript;
  std::string translated_text;
  std::string input_audio_sha256;
  std::uint64_t dubbed_audio_bytes = 0;
  std::string dubbed_audio_sha256;
  std::int64_t dubbed_duration_ns = 0;
  int sample_rate = 0;
  int channels = 0;
  std::string sample_format;
  double processing_time_ms = 0;
  double queue_time_ms = 0;
  StsStageTimings stage_timings_ms;
  std::string error_code;  // empty when error is null
  std::string error_message;
  std::string error_stage;
};

struct StsMonitorHello {
  std::string mode;
  nlohmann::json models;
  std::vector<StsFragmentSummary> recent;
};

// stream:started: the stream:init a client sent, and which client.
struct StsStreamStarted {
  StsStreamConfig init;
  std::string client_sid;
};

namespace protocol {

StsFragmentSummary decode_fragment_summary(const nlohmann::json& payload);
StsMonitorHello decode_monitor_hello(const nlohmann::json& payload);
StsStreamStarted decode_stream_started(const nlohmann::json& payload);
// stream:completed has stream:complete's payload: decode_stream_complete (dub/sts/protocol.hpp).

}  // namespace protocol

}  // namespace dub::sts
