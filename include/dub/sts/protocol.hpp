#pragma once
// Payload encoding and decoding for the STS protocol (docs/protocol.md, version 1). Pure
// functions over nlohmann::json; binary audio is json::binary_t (the Socket.IO layer turns it
// into an attachment). Decoders are strict about what clients rely on and throw
// dub::Error naming the event and the field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "dub/sts/client.hpp"

namespace dub::sts::protocol {

inline constexpr int kVersion = 1;

// Event names.
inline constexpr const char* kStreamInit = "stream:init";
inline constexpr const char* kStreamReady = "stream:ready";
inline constexpr const char* kFragmentData = "fragment:data";
inline constexpr const char* kFragmentAck = "fragment:ack";
inline constexpr const char* kFragmentProcessed = "fragment:processed";
inline constexpr const char* kStreamEnd = "stream:end";
inline constexpr const char* kStreamComplete = "stream:complete";
inline constexpr const char* kError = "error";

// The StsError code a client gives a fragment:processed it cannot decode (a protocol error of the
// service): the fragment is then passed through, like a refused one.
inline constexpr const char* kBadResult = "BAD_RESULT";

nlohmann::json encode_stream_init(const StsStreamConfig& config);
nlohmann::json encode_fragment_data(const StsFragment& fragment);
nlohmann::json encode_stream_end(const std::string& stream_id);

StsReady decode_stream_ready(const nlohmann::json& payload);
StsAck decode_fragment_ack(const nlohmann::json& payload);
StsResult decode_fragment_processed(const nlohmann::json& payload);
StsError decode_error(const nlohmann::json& payload);

// "<stream>-<sequence, at least 4 digits>", with characters outside the protocol's identifier
// alphabet [A-Za-z0-9._:/@+-] replaced by '_' and the result cut to 256 characters.
std::string fragment_id(const std::string& stream_id, std::uint64_t sequence);
// Makes any name a valid protocol identifier (same rules).
std::string sanitize_id(const std::string& id);

// Duration of `frames` frames at `rate` Hz in integer nanoseconds (rounded to nearest).
std::int64_t frames_to_ns(std::uint64_t frames, int rate);

}  // namespace dub::sts::protocol
