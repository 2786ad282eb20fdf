// Pure codec tests: Engine.IO v4 / Socket.IO v5 packets, binary attachments, malformed input, and the
// shared wire vectors of docs/protocol/vectors/wire.json (read at run time).
#include "dub/sio/codec.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "dub/sio/client.hpp"
#include "dub/util/error.hpp"

namespace {

using dub::sio::Bytes;
using dub::sio::Decoder;
using dub::sio::EioType;
using dub::sio::Packet;
using dub::sio::PacketType;
using nlohmann::json;

Bytes pattern(std::size_t n, unsigned seed = 1) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 31 + std::size_t{seed} * 7) % 256);
  return out;
}

// The bytes of a binary JSON value (binary_t compares ambiguously with std::vector in C++20).
const Bytes& bytes_of(const json& value) {
  return value.get_binary();
}

// Decodes a complete packet made of a text message and its attachments.
Packet decode_all(const std::string& text, std::vector<Bytes> attachments = {}) {
  Decoder decoder;
  auto packet = decoder.feed_text(text);
  for (auto& attachment : attachments) {
    EXPECT_FALSE(packet.has_value());
    packet = decoder.feed_binary(std::move(attachment));
  }
  EXPECT_TRUE(packet.has_value()) << text;
  EXPECT_FALSE(decoder.awaiting_attachments());
  return packet.value_or(Packet{});
}

// Expects a dub::Error whose message contains `needle`.
template <typename F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected dub::Error containing '" << needle << "'";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// ---- Engine.IO ------------------------------------------------------------------------------

TEST(SioCodecEngineIo, DecodesEveryPacketType) {
  const std::vector<std::pair<std::string, EioType>> cases = {
      {"0{}", EioType::Open},       {"1", EioType::Close},   {"2", EioType::Ping}, {"3", EioType::Pong},
      {"4hello", EioType::Message}, {"5", EioType::Upgrade}, {"6", EioType::Noop},
  };
  for (const auto& [frame, type] : cases) {
    const auto packet = dub::sio::decode_eio(frame);
    EXPECT_EQ(packet.type, type) << frame;
    EXPECT_EQ(packet.data, frame.substr(1));
    EXPECT_EQ(dub::sio::encode_eio(type, packet.data), frame);
  }
  EXPECT_EQ(dub::sio::decode_eio("2probe").data, "probe");
}

TEST(SioCodecEngineIo, RejectsEmptyAndUnknownFrames) {
  expect_error([] { dub::sio::decode_eio(""); }, "empty");
  expect_error([] { dub::sio::decode_eio("7"); }, "unknown packet type");
  expect_error([] { dub::sio::decode_eio("x42"); }, "unknown packet type");
  expect_error([] { dub::sio::decode_eio(std::string("\0", 1)); }, "\\x00");
}

TEST(SioCodecEngineIo, ParsesTheOpenPacket) {
  const auto info = dub::sio::parse_open(
      R"({"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  EXPECT_EQ(info.sid, "abc");
  EXPECT_TRUE(info.upgrades.empty());
  EXPECT_EQ(info.ping_interval.count(), 25000);
  EXPECT_EQ(info.ping_timeout.count(), 20000);
  EXPECT_EQ(info.max_payload, 1000000U);
  const auto minimal = dub::sio::parse_open(R"({"pingTimeout":1,"sid":"x","pingInterval":2,"upgrades":["websocket"]})");
  EXPECT_EQ(minimal.max_payload, 0U);
  EXPECT_EQ(minimal.upgrades, std::vector<std::string>{"websocket"});
}

TEST(SioCodecEngineIo, RejectsBrokenOpenPackets) {
  expect_error([] { dub::sio::parse_open("not json"); }, "invalid JSON");
  expect_error([] { dub::sio::parse_open("[]"); }, "not a JSON object");
  expect_error([] { dub::sio::parse_open(R"({"pingInterval":1,"pingTimeout":1})"); }, "sid");
  expect_error([] { dub::sio::parse_open(R"({"sid":"","pingInterval":1,"pingTimeout":1})"); }, "sid");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingTimeout":1})"); }, "pingInterval");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":"25000","pingTimeout":1})"); }, "pingInterval");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":0,"pingTimeout":1})"); }, "pingInterval");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":-5,"pingTimeout":1})"); }, "pingInterval");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":1,"pingTimeout":1.5})"); }, "pingTimeout");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":-1})"); },
               "maxPayload");
  expect_error([] { dub::sio::parse_open(R"({"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[1]})"); },
               "upgrades");
}

// ---- Socket.IO encoding ---------------------------------------------------------------------

TEST(SioCodecEncode, ConnectWithAndWithoutAuthAndNamespace) {
  EXPECT_EQ(dub::sio::encode(dub::sio::make_connect("/")).text, "0");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_connect("/", {{"token", "s3cret"}})).text, R"(0{"token":"s3cret"})");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_connect("/monitor")).text, "0/monitor,");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_connect("monitor", {{"token", "x"}})).text, R"(0/monitor,{"token":"x"})");
  EXPECT_TRUE(dub::sio::encode(dub::sio::make_connect("/")).attachments.empty());
}

TEST(SioCodecEncode, DisconnectEventAndAck) {
  EXPECT_EQ(dub::sio::encode(dub::sio::make_disconnect("/")).text, "1");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_disconnect("/monitor")).text, "1/monitor,");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_event("/", "hello", json::array({1, "two"}))).text,
            R"(2["hello",1,"two"])");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_event("/", "ping", json::array())).text, R"(2["ping"])");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_event("/monitor", "x", json::array({json::object()}), 12)).text,
            R"(2/monitor,12["x",{}])");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_ack("/", 12, json::array())).text, "312[]");
  EXPECT_EQ(dub::sio::encode(dub::sio::make_ack("/monitor", 0, json::array({"ok"}))).text, R"(3/monitor,0["ok"])");
}

TEST(SioCodecEncode, JsonIsCompactSortedAndRawUtf8) {
  const json payload = {{"b", 1}, {"a", "¿Año?"}, {"c", {{"z", nullptr}, {"y", 6000000000LL}}}};
  EXPECT_EQ(dub::sio::encode(dub::sio::make_event("/", "e", json::array({payload}))).text,
            R"(2["e",{"a":"¿Año?","b":1,"c":{"y":6000000000,"z":null}}])");
}

TEST(SioCodecEncode, BinaryValuesBecomePlaceholdersAndAttachments) {
  const Bytes pcm = pattern(960);
  const auto encoded = dub::sio::encode(
      dub::sio::make_event("/", "fragment:data", json::array({{{"audio", json::binary(pcm)}, {"stream_id", "s"}}})));
  EXPECT_EQ(encoded.text, R"(51-["fragment:data",{"audio":{"_placeholder":true,"num":0},"stream_id":"s"}])");
  ASSERT_EQ(encoded.attachments.size(), 1U);
  EXPECT_EQ(encoded.attachments[0], pcm);
}

TEST(SioCodecEncode, SeveralBinariesAreNumberedInWalkOrder) {
  // Objects are walked in key order (a, b, c), arrays in order.
  const json payload = {{"c", json::binary(Bytes{3})},
                        {"a", json::array({json::binary(Bytes{1}), json::binary(Bytes{})})},
                        {"b", {{"nested", json::binary(Bytes{2, 2})}}}};
  const auto encoded = dub::sio::encode(dub::sio::make_event("/monitor", "m", json::array({payload, "tail"}), 7));
  EXPECT_EQ(encoded.text, R"(54-/monitor,7["m",{"a":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}],)"
                          R"("b":{"nested":{"_placeholder":true,"num":2}},"c":{"_placeholder":true,"num":3}},"tail"])");
  ASSERT_EQ(encoded.attachments.size(), 4U);
  EXPECT_EQ(encoded.attachments[0], Bytes{1});
  EXPECT_EQ(encoded.attachments[1], Bytes{});
  EXPECT_EQ(encoded.attachments[2], (Bytes{2, 2}));
  EXPECT_EQ(encoded.attachments[3], Bytes{3});
}

TEST(SioCodecEncode, BinaryAck) {
  const auto encoded = dub::sio::encode(dub::sio::make_ack("/x", 5, json::array({json::binary(Bytes{9, 8})})));
  EXPECT_EQ(encoded.text, R"(61-/x,5[{"_placeholder":true,"num":0}])");
  ASSERT_EQ(encoded.attachments.size(), 1U);
}

TEST(SioCodecEncode, RefusesInvalidPackets) {
  expect_error([] { dub::sio::make_event("/", "e", json::object()); }, "must be a JSON array");
  expect_error([] { dub::sio::make_connect("/a,b"); }, "namespace");
  expect_error(
      [] {
        Packet p;
        p.type = PacketType::Event;
        p.data = json::array({1});
        dub::sio::encode(p);
      },
      "event name");
  expect_error(
      [] {
        Packet p;
        p.type = PacketType::Ack;
        p.data = json::array();
        dub::sio::encode(p);
      },
      "ack id");
  expect_error(
      [] {
        dub::sio::encode(dub::sio::make_connect("/", {{"k", json::binary(Bytes{1})}}));
      },
      "only allowed in events and acks");
  expect_error([] { dub::sio::encode(dub::sio::make_event("/", "e", json::array({std::string("\xff\xfe")}))); },
               "UTF-8");
}

// ---- Socket.IO decoding ---------------------------------------------------------------------

TEST(SioCodecDecode, ConnectReplyErrorAndDisconnect) {
  auto p = dub::sio::decode(R"(0{"sid":"abc"})");
  EXPECT_EQ(p.type, PacketType::Connect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_FALSE(p.id);
  EXPECT_EQ(p.data, json({{"sid", "abc"}}));

  p = dub::sio::decode("0/monitor,");
  EXPECT_EQ(p.type, PacketType::Connect);
  EXPECT_EQ(p.nsp, "/monitor");
  EXPECT_TRUE(p.data.is_null());

  p = dub::sio::decode(R"(4{"message":"UNAUTHORIZED","data":{"retryable":false}})");
  EXPECT_EQ(p.type, PacketType::ConnectError);
  EXPECT_EQ(p.data["message"], "UNAUTHORIZED");
  p = dub::sio::decode(R"(4/nope,"Unable to connect")");
  EXPECT_EQ(p.nsp, "/nope");
  EXPECT_EQ(p.data, "Unable to connect");

  EXPECT_EQ(dub::sio::decode("1").type, PacketType::Disconnect);
  EXPECT_EQ(dub::sio::decode("1/monitor,").nsp, "/monitor");
  EXPECT_EQ(dub::sio::decode("1/monitor").nsp, "/monitor");  // trailing comma optional
}

TEST(SioCodecDecode, EventsAndAcksWithIdsAndNamespaces) {
  auto p = dub::sio::decode(R"(2["hello",1,{"a":[true]}])");
  EXPECT_EQ(p.type, PacketType::Event);
  EXPECT_EQ(p.data, json::parse(R"(["hello",1,{"a":[true]}])"));

  p = dub::sio::decode(R"(2/monitor,42["x"])");
  EXPECT_EQ(p.nsp, "/monitor");
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 42U);

  p = dub::sio::decode("318446744073709551615[]");
  EXPECT_EQ(p.type, PacketType::Ack);
  EXPECT_EQ(*p.id, 18446744073709551615ULL);
  EXPECT_TRUE(p.data.empty());

  // Any valid JSON is accepted: whitespace, escapes, key order.
  p = dub::sio::decode("2[ \"e\" , { \"b\" : 1 , \"a\" : \"\\u00bfs\\u00ed?\" } ]");
  EXPECT_EQ(p.data[1]["a"], "¿sí?");
}

TEST(SioCodecDecode, BinaryEventIsReassembledAfterItsAttachments) {
  Decoder decoder;
  EXPECT_FALSE(
      decoder.feed_text(R"(52-["pcm",{"a":{"_placeholder":true,"num":1},"b":{"_placeholder":true,"num":0}}])"));
  EXPECT_TRUE(decoder.awaiting_attachments());
  EXPECT_EQ(decoder.missing_attachments(), 2U);
  EXPECT_FALSE(decoder.feed_binary(pattern(10, 1)));
  EXPECT_EQ(decoder.missing_attachments(), 1U);
  const auto packet = decoder.feed_binary(pattern(20, 2));
  ASSERT_TRUE(packet);
  EXPECT_FALSE(decoder.awaiting_attachments());
  EXPECT_EQ(packet->type, PacketType::BinaryEvent);
  EXPECT_EQ(bytes_of(packet->data[1]["a"]), pattern(20, 2));
  EXPECT_EQ(bytes_of(packet->data[1]["b"]), pattern(10, 1));
  // The decoder is ready for the next packet.
  EXPECT_TRUE(decoder.feed_text(R"(2["next"])"));
}

TEST(SioCodecDecode, BinaryAckAndZeroAttachmentBinaryPacket) {
  const auto packet = decode_all(R"(61-/monitor,9[{"_placeholder":true,"num":0}])", {Bytes{1, 2, 3}});
  EXPECT_EQ(packet.type, PacketType::BinaryAck);
  EXPECT_EQ(packet.nsp, "/monitor");
  EXPECT_EQ(*packet.id, 9U);
  EXPECT_EQ(bytes_of(packet.data[0]), (Bytes{1, 2, 3}));
  EXPECT_EQ(dub::sio::decode(R"(50-["e"])").type, PacketType::BinaryEvent);
}

TEST(SioCodecDecode, RoundTripsEncodedPackets) {
  const json payload = {{"audio", json::binary(pattern(192000))},
                        {"list", json::array({json::binary(Bytes{}), 1.5, "ñ", nullptr})},
                        {"pts_ns", 6000000000LL}};
  auto encoded = dub::sio::encode(dub::sio::make_event("/monitor", "fragment:data", json::array({payload}), 3));
  const auto packet = decode_all(encoded.text, std::move(encoded.attachments));
  EXPECT_EQ(packet.nsp, "/monitor");
  EXPECT_EQ(*packet.id, 3U);
  EXPECT_EQ(packet.data, json::array({"fragment:data", payload}));
}

TEST(SioCodecDecode, PreciseErrorsOnMalformedPackets) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"7", "unknown packet type"},
      {"a[]", "unknown packet type"},
      {"2", "EVENT payload must be a JSON array starting with the event name"},
      {"2[]", "event name"},
      {"2[1]", "event name"},
      {R"(2{"a":1})", "event name"},
      {R"(2["a")", "invalid JSON"},
      {R"(2["a"]])", "invalid JSON"},
      {"3[]", "ack id"},
      {"31{}", "ACK payload must be a JSON array"},
      {"0[]", "CONNECT payload must be a JSON object"},
      {"44", "CONNECT_ERROR payload must be a JSON object or string"},
      {"5[\"e\"]", "attachment count"},
      {"51[\"e\"]", "attachment count"},
      {"5-[\"e\"]", "attachment count"},
      {"599999999999-[\"e\"]", "attachment count above"},
      {"5999999999999999999999999-[\"e\"]", "attachment count above"},
      {"299999999999999999999999[\"e\"]", "ack id does not fit"},
      {"2/monitor,[\"a\"", "invalid JSON"},
      {R"(50-["e",{"_placeholder":true,"num":0}])", "placeholder"},
      {R"(50-["e",{"_placeholder":true}])", "placeholder"},
      {std::string(300, '[') + std::string(300, ']'), "unknown packet type"},
      {"2" + std::string(300, '[') + "\"e\"" + std::string(300, ']'), "nested deeper"},
  };
  for (const auto& item : cases) {
    SCOPED_TRACE(item.first.substr(0, 40));
    expect_error([&] { Decoder().feed_text(item.first); }, item.second);
  }
}

TEST(SioCodecDecode, AttachmentSequencingErrors) {
  Decoder decoder;
  expect_error([&] { decoder.feed_binary(Bytes{1}); }, "unexpected binary message");
  EXPECT_FALSE(decoder.feed_text(R"(51-["e",{"_placeholder":true,"num":0}])"));
  expect_error([&] { decoder.feed_text(R"(2["e"])"); }, "still missing");
  decoder.reset();
  EXPECT_FALSE(decoder.awaiting_attachments());
  // Placeholder pointing past the attachments.
  EXPECT_FALSE(decoder.feed_text(R"(51-["e",{"_placeholder":true,"num":1}])"));
  expect_error([&] { decoder.feed_binary(Bytes{1}); }, "does not name one of the 1 attachments");
  // Same attachment twice.
  EXPECT_FALSE(decoder.feed_text(R"(51-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"));
  expect_error([&] { decoder.feed_binary(Bytes{1}); }, "referenced twice");
  // Binary packets need the Decoder.
  expect_error([] { dub::sio::decode(R"(51-["e",{"_placeholder":true,"num":0}])"); }, "needs a Decoder");
}

// Truncations and garbage: every input either decodes or throws dub::Error, nothing else.
TEST(SioCodecDecode, FuzzTruncatedAndGarbageInputs) {
  const std::vector<std::string> seeds = {
      R"(0{"sid":"abc"})",
      "0/monitor,",
      R"(44{"data":{"code":"UNAUTHORIZED","retryable":false},"message":"UNAUTHORIZED"})",
      R"(2/monitor,12["fragment:summary",{"a":[1,2,{"b":"ñ\u00e9"}],"c":6000000000,"d":-1.5e3}])",
      R"(3/x,7[{"k":null},true,false])",
      R"(52-/monitor,3["e",{"a":{"_placeholder":true,"num":0},"b":[{"_placeholder":true,"num":1}]}])",
      R"(61-9[{"_placeholder":true,"num":0}])",
      "1/monitor,",
  };
  std::mt19937 rng(20240601);  // fixed seed: reproducible
  std::size_t decoded = 0;
  std::size_t rejected = 0;
  const auto attempt = [&](const std::string& input) {
    Decoder decoder;
    try {
      auto packet = decoder.feed_text(input);
      for (int i = 0; i < 3 && !packet && decoder.awaiting_attachments(); ++i) packet = decoder.feed_binary(Bytes{1});
      ++decoded;
    } catch (const dub::Error&) {
      ++rejected;
    }
    try {
      dub::sio::decode_eio(input);
      if (!input.empty() && input[0] == '0') dub::sio::parse_open(input.substr(1));
    } catch (const dub::Error&) {
    }
  };
  for (const auto& seed : seeds) {
    for (std::size_t n = 0; n <= seed.size(); ++n) attempt(seed.substr(0, n));
    for (int round = 0; round < 300; ++round) {
      std::string mutated = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !mutated.empty(); ++e) {
        const std::size_t pos = rng() % mutated.size();
        switch (rng() % 3) {
          case 0:
            mutated[pos] = static_cast<char>(rng() % 256);
            break;
          case 1:
            mutated.erase(pos, 1);
            break;
          default:
            mutated.insert(pos, 1, "[]{},\"-/0123456789:"[rng() % 19]);
            break;
        }
      }
      attempt(mutated);
    }
  }
  for (int round = 0; round < 2000; ++round) {
    std::string garbage(rng() % 64, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng() % 256);
    if (!garbage.empty() && round % 2 == 0) garbage[0] = static_cast<char>('0' + rng() % 7);
    attempt(garbage);
  }
  EXPECT_GT(decoded, 0U);
  EXPECT_GT(rejected, 0U);
}

// ---- URL handling ---------------------------------------------------------------------------

TEST(SioEndpoint, BuildsTheWebsocketUrl) {
  auto ep = dub::sio::parse_endpoint("http://sts:3000", "/socket.io");
  EXPECT_EQ(ep.host, "sts");
  EXPECT_EQ(ep.port, "3000");
  EXPECT_EQ(ep.target, "/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(ep.url, "ws://sts:3000/socket.io/?EIO=4&transport=websocket");
  ep = dub::sio::parse_endpoint("WS://127.0.0.1/", "custom/");
  EXPECT_EQ(ep.port, "80");
  EXPECT_EQ(ep.target, "/custom/?EIO=4&transport=websocket");
  ep = dub::sio::parse_endpoint("http://[::1]:8080", "/");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.url, "ws://[::1]:8080/?EIO=4&transport=websocket");
}

TEST(SioEndpoint, RejectsWhatItCannotDo) {
  expect_error([] { dub::sio::parse_endpoint("https://sts:3000", "/socket.io"); }, "TLS");
  expect_error([] { dub::sio::parse_endpoint("wss://sts:3000", "/socket.io"); }, "not supported");
  expect_error([] { dub::sio::parse_endpoint("sts:3000", "/socket.io"); }, "expected http://");
  expect_error([] { dub::sio::parse_endpoint("ftp://sts", "/socket.io"); }, "unsupported scheme");
  expect_error([] { dub::sio::parse_endpoint("http://sts:3000/monitor", "/socket.io"); }, "namespaces in connect()");
  expect_error([] { dub::sio::parse_endpoint("http://sts:99999", "/socket.io"); }, "1..65535");
  expect_error([] { dub::sio::parse_endpoint("http://sts:", "/socket.io"); }, "empty port");
  expect_error([] { dub::sio::parse_endpoint("http://:3000", "/socket.io"); }, "no host");
  expect_error([] { dub::sio::parse_endpoint("http://u:p@sts", "/socket.io"); }, "user info");
  expect_error([] { dub::sio::parse_endpoint("http://sts", "/socket.io?x=1"); }, "no query");
}

TEST(SioReconnectPolicy, DelaysGrowByTheFactorUpToTheCap) {
  dub::sio::ReconnectPolicy policy;
  policy.initial_delay = std::chrono::milliseconds(100);
  policy.factor = 2.0;
  policy.max_delay = std::chrono::milliseconds(500);
  EXPECT_EQ(policy.delay_for(1).count(), 100);
  EXPECT_EQ(policy.delay_for(2).count(), 200);
  EXPECT_EQ(policy.delay_for(3).count(), 400);
  EXPECT_EQ(policy.delay_for(4).count(), 500);
  EXPECT_EQ(policy.delay_for(60).count(), 500);
}

// ---- shared wire vectors (docs/protocol/vectors/wire.json) ------------------------------------

Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

// {"_binary_hex": ".."} / {"_binary_zeros": n} -> binary_t, recursively.
json with_binaries(const json& value) {
  if (value.is_object()) {
    if (value.size() == 1 && value.contains("_binary_hex")) return json::binary(from_hex(value["_binary_hex"]));
    if (value.size() == 1 && value.contains("_binary_zeros"))
      return json::binary(Bytes(value["_binary_zeros"].get<std::size_t>(), 0));
    json out = json::object();
    for (const auto& [key, item] : value.items()) out[key] = with_binaries(item);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(with_binaries(item));
    return out;
  }
  return value;
}

PacketType packet_type(const std::string& name) {
  const std::vector<std::string> names = {"CONNECT",       "DISCONNECT",   "EVENT",     "ACK",
                                          "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<PacketType>(i);
  }
  throw std::runtime_error("unknown packet_type " + name);
}

EioType eio_type(const std::string& name) {
  const std::vector<std::string> names = {"OPEN", "CLOSE", "PING", "PONG", "MESSAGE", "UPGRADE", "NOOP"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<EioType>('0' + static_cast<int>(i));
  }
  throw std::runtime_error("unknown eio_packet " + name);
}

json load_wire_vectors() {
  const std::string path = std::string(DUB_SOURCE_DIR) + "/docs/protocol/vectors/wire.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

TEST(SioWireVectors, EveryVectorDecodesAndEncodesByteForByte) {
  const json doc = load_wire_vectors();
  ASSERT_TRUE(doc.contains("vectors"));
  std::size_t engineio = 0;
  std::size_t encoded = 0;
  std::size_t decoded = 0;
  std::size_t with_attachments = 0;
  for (const auto& vector : doc["vectors"]) {
    const std::string name = vector.at("name");
    SCOPED_TRACE(name);
    if (vector.value("transport", "websocket") != "websocket") continue;
    const auto& frames = vector.at("frames");
    ASSERT_FALSE(frames.empty());
    ASSERT_EQ(frames[0].at("type"), "text");
    const std::string text = frames[0].at("data");
    const auto& expected = vector.at("decoded");
    const std::string check = vector.at("check");

    if (check == "engineio") {
      const auto packet = dub::sio::decode_eio(text);
      EXPECT_EQ(packet.type, eio_type(expected.at("eio_packet")));
      EXPECT_EQ(dub::sio::encode_eio(packet.type, packet.data), text);
      if (packet.type == EioType::Open) {
        const auto info = dub::sio::parse_open(packet.data);
        EXPECT_EQ(info.sid, expected["data"]["sid"]);
        EXPECT_EQ(info.ping_interval.count(), expected["data"]["pingInterval"]);
        EXPECT_EQ(info.ping_timeout.count(), expected["data"]["pingTimeout"]);
        EXPECT_EQ(info.max_payload, expected["data"]["maxPayload"]);
      }
      ++engineio;
      continue;
    }

    std::vector<Bytes> attachments;
    for (std::size_t i = 1; i < frames.size(); ++i) {
      ASSERT_EQ(frames[i].at("type"), "binary");
      attachments.push_back(from_hex(frames[i].at("hex")));
    }
    if (!attachments.empty()) ++with_attachments;
    const PacketType type = packet_type(expected.at("packet_type"));
    const std::string nsp = expected.at("namespace");
    const std::optional<std::uint64_t> id = expected.at("ack_id").is_null()
                                                ? std::nullopt
                                                : std::optional<std::uint64_t>(expected["ack_id"].get<std::uint64_t>());
    const json data = with_binaries(expected.at("data"));

    // Decode: Engine.IO message "4", then the Socket.IO packet and its attachments.
    const auto eio = dub::sio::decode_eio(text);
    ASSERT_EQ(eio.type, EioType::Message);
    const Packet packet = decode_all(eio.data, attachments);
    EXPECT_EQ(packet.type, type);
    EXPECT_EQ(packet.nsp, nsp);
    EXPECT_EQ(packet.id, id);
    EXPECT_EQ(packet.data, data);
    ++decoded;

    if (check == "encode_decode") {
      Packet out;
      out.type = type;
      out.nsp = nsp;
      out.id = id;
      out.data = data;
      const auto wire = dub::sio::encode(out);
      EXPECT_EQ(dub::sio::encode_eio(EioType::Message, wire.text), text);
      EXPECT_EQ(wire.attachments, attachments);
      ++encoded;
    }
  }
  // The file covers every layer; an empty or truncated file must not pass silently.
  EXPECT_GE(engineio, 3U);
  EXPECT_GE(encoded, 8U);
  EXPECT_GE(decoded, encoded);
  EXPECT_GE(with_attachments, 1U);
}

}  // namespace
