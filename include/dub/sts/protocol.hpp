#pragma once
// Payload encoding and decoding for the STS protocol (docs/protocol.md, version 1). Pure
// functions over nlohmann::json; binary audio is json::binary_t (the Socket.IO layer turns it
// into an attachment). Decoders are strict about what clients rely on and throw
// dub::Error naming the event and the field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "dub/sts/client.hpp"
#include "dub/sts/protocol_gen.hpp"

namespace dub::sts::protocol {

// kVersion, the event names (kStreamInit, ...), enum class ErrorCode with its names (code::k...),
// the statuses, modes and stages: generated from docs/protocol/schemas (protocol_gen.hpp).

// The StsError code a client gives a fragment:processed it cannot decode (a protocol error of the
// service): the fragment is then passed through, like a refused one. Client-local (the schema's
// clientErrorCode), never on the wire.
inline constexpr const char* kBadResult = code::kBadResult;

nlohmann::json encode_stream_init(const StsStreamConfig& config);
nlohmann::json encode_fragment_data(const StsFragment& fragment);
nlohmann::json encode_stream_end(const std::string& stream_id);

StsReady decode_stream_ready(const nlohmann::json& payload);
StsAck decode_fragment_ack(const nlohmann::json& payload);
StsResult decode_fragment_processed(const nlohmann::json& payload);
StsError decode_error(const nlohmann::json& payload);
StsComplete decode_stream_complete(const nlohmann::json& payload);

// "<stream>-<sequence, at least 4 digits>", with characters outside the protocol's identifier
// alphabet [A-Za-z0-9._:/@+-] replaced by '_' and the result cut to 256 characters.
std::string fragment_id(const std::string& stream_id, std::uint64_t sequence);
// Makes any name a valid protocol identifier (same rules).
std::string sanitize_id(const std::string& id);

// Duration of `frames` frames at `rate` Hz in integer nanoseconds, rounded to the nearest (half up):
// the protocol's one rule, shared with the service (sts_service.audio.frames_to_ns) and checked on
// both sides by docs/protocol/vectors/frames_ns.json.
std::int64_t frames_to_ns(std::uint64_t frames, int rate);

}  // namespace dub::sts::protocol
