// The shared rule vectors of docs/protocol/vectors, C++ side (the service runs the same files in
// src/sts-service/tests/test_vectors.py): frames -> ns, the s16le codec, the stream-name rule, the
// generated protocol constants and the /monitor decoders.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dub/sts/monitor.hpp"
#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/sts/stream_name.hpp"
#include "dub/util/error.hpp"

namespace {

namespace protocol = dub::sts::protocol;
namespace pcm = dub::sts::pcm;
namespace stream_name = dub::sts::stream_name;

nlohmann::json load(const std::string& rel) {
  std::ifstream in(std::string(DUB_SOURCE_DIR) + "/docs/protocol/" + rel);
  EXPECT_TRUE(in.good()) << rel;
  return nlohmann::json::parse(in);
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(ProtocolVectors, FramesToNs) {
  const auto v = load("vectors/frames_ns.json")["vectors"];
  ASSERT_GE(v.size(), 10U);
  for (const auto& c : v) {
    EXPECT_EQ(protocol::frames_to_ns(c["frames"].get<std::uint64_t>(), c["rate"].get<int>()),
              c["ns"].get<std::int64_t>())
        << c.dump();
  }
}

TEST(ProtocolVectors, PcmS16le) {
  const auto v = load("vectors/pcm_s16le.json");
  for (const auto& c : v["bytes"]) {
    const auto bytes = from_hex(c["hex"].get<std::string>());
    const auto samples = c["samples"].get<std::vector<std::int16_t>>();
    EXPECT_EQ(pcm::decode_s16le(bytes), samples) << c.dump();
    EXPECT_EQ(pcm::encode_s16le(samples), bytes) << c.dump();
  }
  for (const auto& hex : v["invalid_hex"]) {
    EXPECT_THROW(pcm::decode_s16le(from_hex(hex.get<std::string>())), dub::Error);
  }
  for (const auto& c : v["to_float"]) {
    EXPECT_EQ(pcm::to_float(c["sample"].get<std::int16_t>()), c["value"].get<float>()) << c.dump();
  }
  for (const auto& c : v["from_float"]) {
    EXPECT_EQ(pcm::from_float(c["value"].get<float>()), c["sample"].get<std::int16_t>()) << c.dump();
  }
}

TEST(ProtocolVectors, StreamNames) {
  const auto v = load("vectors/stream_names.json");
  for (const auto& c : v["parse"]) {
    const auto got = stream_name::parse(c["input"].get<std::string>());
    if (c["name"].is_null()) {
      EXPECT_FALSE(got.has_value()) << c["input"];
    } else {
      ASSERT_TRUE(got.has_value()) << c["input"];
      EXPECT_EQ(*got, c["name"].get<std::string>());
    }
  }
  for (const auto& c : v["paths"]) {
    const auto name = c["name"].get<std::string>();
    EXPECT_EQ(stream_name::input_path(name), c["in"].get<std::string>());
    EXPECT_EQ(stream_name::output_path(name), c["out"].get<std::string>());
    EXPECT_EQ(stream_name::stream_id(name), c["stream_id"].get<std::string>());
  }
}

// protocol_gen.hpp is what docs/protocol/gen-protocol writes from the schema (the Python tests run
// the generator's --check); here: the generated values are the schema's.
TEST(ProtocolVectors, GeneratedConstantsAreTheSchemas) {
  const auto defs = load("schemas/common.schema.json")["$defs"];
  const auto wire = defs["errorCode"]["enum"].get<std::vector<std::string>>();
  ASSERT_EQ(wire.size(), protocol::kWireErrorCodes);
  for (const auto& name : wire) {
    const auto code = protocol::parse_error_code(name);
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_TRUE(protocol::is_wire_code(*code));
    EXPECT_EQ(protocol::to_string(*code), name);
  }
  for (const auto& r : defs["errorCode"]["x-retryable"]) {
    EXPECT_TRUE(protocol::is_retryable(*protocol::parse_error_code(r.get<std::string>()))) << r;
  }
  EXPECT_FALSE(protocol::is_retryable(protocol::ErrorCode::InvalidPayload));
  const auto bad = protocol::parse_error_code(protocol::kBadResult);
  ASSERT_TRUE(bad.has_value());
  EXPECT_FALSE(protocol::is_wire_code(*bad));
  EXPECT_FALSE(protocol::parse_error_code("NOT_A_CODE").has_value());
  EXPECT_EQ(defs["status"]["enum"].size(), protocol::kStatuses.size());
}

const nlohmann::json& event_vector(const std::string& name) {
  static const auto all = load("vectors/events.json")["vectors"];
  for (const auto& v : all) {
    if (v["name"] == name) return v["payload"];
  }
  throw std::runtime_error("no vector " + name);
}

TEST(MonitorDecoders, EveryValidMonitorVectorDecodes) {
  int n = 0;
  const auto events = load("vectors/events.json");
  for (const auto& v : events["vectors"]) {
    if (v["namespace"] != "/monitor" || !v["valid"].get<bool>()) continue;
    const auto ev = v["event"].get<std::string>();
    if (ev == protocol::kFragmentSummary) {
      const auto s = protocol::decode_fragment_summary(v["payload"]);
      EXPECT_FALSE(s.client_sid.empty()) << v["name"];
      EXPECT_EQ(s.input_audio_sha256.size(), 64U) << v["name"];
    } else if (ev == protocol::kMonitorHello) {
      EXPECT_FALSE(protocol::decode_monitor_hello(v["payload"]).mode.empty()) << v["name"];
    } else if (ev == protocol::kStreamStarted) {
      EXPECT_FALSE(protocol::decode_stream_started(v["payload"]).init.stream_id.empty()) << v["name"];
    } else if (ev == protocol::kStreamCompleted) {
      EXPECT_FALSE(protocol::decode_stream_complete(v["payload"]).stream_id.empty()) << v["name"];
    }
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST(MonitorDecoders, StreamReadyLimits) {
  const auto ready = protocol::decode_stream_ready(event_vector("stream_ready"));
  EXPECT_EQ(ready.limits.max_inflight, ready.max_inflight);
  EXPECT_GT(ready.limits.max_fragment_bytes, 0U);
  EXPECT_GT(ready.limits.max_fragment_duration_ns, 0);
  EXPECT_GT(ready.limits.processing_timeout_ms, 0);
  EXPECT_GT(ready.limits.transport_max_message_bytes, 0U);
}

}  // namespace
