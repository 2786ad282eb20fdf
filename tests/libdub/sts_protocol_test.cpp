// STS protocol payloads (libdub, dub/sts/protocol.hpp) against the shared vectors
// (docs/protocol/vectors/events.json).
#include "dub/sts/protocol.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "dub/util/error.hpp"

namespace {

namespace protocol = dub::sts::protocol;

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The vectors write binary values as {"_binary_hex": ...} or {"_binary_zeros": n}.
nlohmann::json with_binaries(nlohmann::json j) {
  if (j.is_object()) {
    if (j.contains("_binary_hex")) return nlohmann::json::binary(from_hex(j["_binary_hex"].get<std::string>()));
    if (j.contains("_binary_zeros")) {
      return nlohmann::json::binary(std::vector<std::uint8_t>(j["_binary_zeros"].get<std::size_t>(), 0));
    }
    for (auto& [k, v] : j.items()) v = with_binaries(v);
  } else if (j.is_array()) {
    for (auto& v : j) v = with_binaries(v);
  }
  return j;
}

const nlohmann::json& vectors() {
  static const nlohmann::json v = [] {
    std::ifstream in(std::string(DUB_SOURCE_DIR) + "/docs/protocol/vectors/events.json");
    return nlohmann::json::parse(in);
  }();
  return v;
}

nlohmann::json vector_payload(const std::string& name) {
  for (const auto& v : vectors()["vectors"]) {
    if (v["name"] == name) return with_binaries(v["payload"]);
  }
  throw std::runtime_error("no vector " + name);
}

TEST(Protocol, StreamInitMatchesTheVector) {
  dub::sts::StsStreamConfig c;
  c.stream_id = "live-test-1";
  c.source_language = "en";
  c.target_language = "es";
  c.sample_rate = 48000;
  c.channels = 1;
  c.sample_format = "s16le";
  c.fragment_duration_ns = 6'000'000'000;
  const auto payload = protocol::encode_stream_init(c);
  EXPECT_EQ(payload, vector_payload("stream_init_48k_mono_s16"));
  // Canonical form (sorted keys, compact) is what nlohmann dumps.
  EXPECT_EQ(payload.dump(),
            R"({"channels":1,"fragment_duration_ns":6000000000,"sample_format":"s16le","sample_rate":48000,)"
            R"("source_language":"en","stream_id":"live-test-1","target_language":"es"})");
}

TEST(Protocol, FragmentDataMatchesTheVector) {
  const auto expected = vector_payload("fragment_data_10ms");
  dub::sts::StsFragment f;
  f.stream_id = expected["stream_id"];
  f.fragment_id = expected["fragment_id"];
  f.sequence_number = expected["sequence_number"];
  f.pts_ns = expected["pts_ns"];
  f.duration_ns = expected["duration_ns"];
  f.audio = static_cast<const std::vector<std::uint8_t>&>(expected["audio"].get_binary());
  const auto payload = protocol::encode_fragment_data(f);
  EXPECT_EQ(payload, expected);
  EXPECT_TRUE(payload["audio"].is_binary());
  EXPECT_EQ(payload["fragment_id"], protocol::fragment_id("live-test-1", 0));
}

TEST(Protocol, DecodesEveryValidFragmentProcessedVector) {
  int n = 0;
  for (const auto& v : vectors()["vectors"]) {
    if (v["event"] != "fragment:processed") continue;
    const auto payload = with_binaries(v["payload"]);
    if (v["valid"].get<bool>()) {
      const auto r = protocol::decode_fragment_processed(payload);
      EXPECT_EQ(r.stream_id, payload["stream_id"]);
      EXPECT_EQ(r.sequence_number, payload["sequence_number"].get<std::uint64_t>());
      EXPECT_EQ(r.status, payload["status"]);
      const std::vector<std::uint8_t> audio = payload["dubbed_audio"].get_binary();
      EXPECT_EQ(r.dubbed_audio, audio);
      EXPECT_EQ(r.transcript, payload["transcript"]);
      EXPECT_EQ(r.translated_text, payload["translated_text"]);
      if (r.status != "success") {
        EXPECT_FALSE(r.error_code.empty()) << v["name"];
      }
      ++n;
    }
  }
  EXPECT_GE(n, 3);
}

// Every fragment:processed vector the service and the schema call invalid is a protocol error here
// too (FR-022: a result without transcript or translated_text included).
TEST(Protocol, RejectsEveryInvalidFragmentProcessedVector) {
  std::set<std::string> rejected;
  for (const auto& v : vectors()["vectors"]) {
    if (v["event"] != "fragment:processed" || v["valid"].get<bool>()) continue;
    const auto name = v["name"].get<std::string>();
    EXPECT_THROW(protocol::decode_fragment_processed(with_binaries(v["payload"])), dub::Error) << name;
    rejected.insert(name);
  }
  for (const auto* name : {"fragment_processed_bad_status", "fragment_processed_audio_base64",
                           "fragment_processed_missing_error", "fragment_processed_missing_transcript",
                           "fragment_processed_missing_translated_text", "fragment_processed_null_transcript"}) {
    EXPECT_TRUE(rejected.contains(name)) << name << " is missing from docs/protocol/vectors/events.json";
  }
  EXPECT_THROW(protocol::decode_fragment_processed(nlohmann::json::array()), dub::Error);
}

TEST(Protocol, AMissingTextIsNamedInTheError) {
  for (const auto* key : {"transcript", "translated_text"}) {
    auto payload = vector_payload("fragment_processed_success");
    payload.erase(key);
    try {
      protocol::decode_fragment_processed(payload);
      ADD_FAILURE() << "accepted without " << key;
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("missing '") + key + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(Protocol, StreamReadyAndErrors) {
  const auto ready = protocol::decode_stream_ready(vector_payload("stream_ready"));
  EXPECT_EQ(ready.mode, "real");
  EXPECT_EQ(ready.max_inflight, 3U);
  const auto bp = protocol::decode_error(vector_payload("error_backpressure"));
  EXPECT_EQ(bp.code, "BACKPRESSURE");
  EXPECT_TRUE(bp.retryable);
  ASSERT_TRUE(bp.sequence_number.has_value());
  EXPECT_EQ(*bp.sequence_number, 3U);
  const auto minimal = protocol::decode_error(vector_payload("error_minimal"));
  EXPECT_EQ(minimal.code, "UNKNOWN_EVENT");
  EXPECT_FALSE(minimal.sequence_number.has_value());
  auto wrong = vector_payload("stream_ready");
  wrong["protocol_version"] = 2;
  EXPECT_THROW(protocol::decode_stream_ready(wrong), dub::Error);
}

TEST(Protocol, FragmentAck) {
  const auto ack = protocol::decode_fragment_ack(vector_payload("fragment_ack"));
  EXPECT_EQ(ack.stream_id, "live-test-1");
  EXPECT_EQ(ack.fragment_id, "live-test-1-0000");
  EXPECT_EQ(ack.sequence_number, 0U);
  EXPECT_EQ(ack.inflight, 1U);
  auto none = vector_payload("fragment_ack");
  none["inflight"] = 0;
  EXPECT_THROW(protocol::decode_fragment_ack(none), dub::Error);
  none.erase("sequence_number");
  EXPECT_THROW(protocol::decode_fragment_ack(none), dub::Error);
}

TEST(Protocol, IdentifiersAndDurations) {
  EXPECT_EQ(protocol::fragment_id("live-test-1", 0), "live-test-1-0000");
  EXPECT_EQ(protocol::fragment_id("test", 12345), "test-12345");
  EXPECT_EQ(protocol::sanitize_id("a b/c#d"), "a_b/c_d");
  EXPECT_EQ(protocol::fragment_id(std::string(300, 'x'), 1).size(), 256U);
  EXPECT_EQ(protocol::frames_to_ns(288000, 48000), 6'000'000'000);
  EXPECT_EQ(protocol::frames_to_ns(1, 44100), 22676);  // 22675.7 rounded
  EXPECT_EQ(protocol::frames_to_ns(480000ULL * 3600 * 24, 48000), 864'000'000'000'000);
}

}  // namespace
