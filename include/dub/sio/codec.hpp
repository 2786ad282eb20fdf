#pragma once
// Pure Engine.IO v4 / Socket.IO v5 codec (no I/O), websocket transport form.
//
// Engine.IO over websocket: a text frame is one packet, its first character the packet type
// (`0` open, `1` close, `2` ping, `3` pong, `4` message, `5` upgrade, `6` noop) and the rest its
// data; a binary frame is always a message carrying raw bytes (no prefix).
//
// Socket.IO packets ride inside Engine.IO messages (the text after the `4`):
//
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
//
// e.g. `0{"token":"s3cret"}`, `0/monitor,`, `2["hello",1]`, `2/monitor,12["x"]`, `312[]`,
// `51-["fragment:data",{"audio":{"_placeholder":true,"num":0}}]` followed by one binary frame.
//
// Binary values inside payloads are nlohmann::json::binary_t. encode() walks the payload (object
// keys in nlohmann's sorted order, arrays in order), replaces the i-th binary value it meets by
// {"_placeholder":true,"num":i}, turns EVENT/ACK into BINARY_EVENT/BINARY_ACK and returns the
// binaries as attachments to send, in order, as binary frames right after the text frame.
// Decoder does the reverse once all announced attachments have arrived.
//
// Every malformed input is reported as a dub::Error naming what is wrong; nothing here crashes or
// throws another exception type on bad input.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dub::sio {

using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Engine.IO v4

enum class EioType : char {
  Open = '0',
  Close = '1',
  Ping = '2',
  Pong = '3',
  Message = '4',
  Upgrade = '5',
  Noop = '6',
};

struct EioPacket {
  EioType type = EioType::Noop;
  std::string data;  // text after the type character
};

// Splits a websocket text frame into type and data. Throws dub::Error (empty frame, unknown type).
EioPacket decode_eio(std::string_view frame);
// The text frame for a packet: type character followed by data.
std::string encode_eio(EioType type, std::string_view data = {});

// The JSON of the open packet (`0{...}`).
struct OpenInfo {
  std::string sid;
  std::vector<std::string> upgrades;
  std::chrono::milliseconds ping_interval{0};
  std::chrono::milliseconds ping_timeout{0};
  std::uint64_t max_payload = 0;  // 0 when the server did not say
};
// Parses the data of an open packet. Throws dub::Error when it is not JSON or lacks sid/pingInterval/pingTimeout.
OpenInfo parse_open(std::string_view json_text);

// ---------------------------------------------------------------------------------------------
// Socket.IO v5

enum class PacketType : int {
  Connect = 0,
  Disconnect = 1,
  Event = 2,
  Ack = 3,
  ConnectError = 4,
  BinaryEvent = 5,
  BinaryAck = 6,
};

const char* to_string(PacketType type);

struct Packet {
  PacketType type = PacketType::Event;
  std::string nsp = "/";            // namespace, always starting with '/'
  std::optional<std::uint64_t> id;  // ack id
  // CONNECT: auth object (client) or {"sid":..} (server), null when absent. DISCONNECT: null (a payload
  // is tolerated when decoding).
  // EVENT: ["name", args...]. ACK: [args...]. CONNECT_ERROR: {"message":..,"data":..} or a string.
  // Binary values are json::binary_t, wherever they sit.
  nlohmann::json data;
};

// A Socket.IO packet ready for the wire: `text` is the Engine.IO message data (send it as the
// websocket text frame "4" + text), `attachments` the binary frames that must follow it, in order.
struct Encoded {
  std::string text;
  std::vector<Bytes> attachments;
};

// Encodes a packet (JSON as nlohmann dump(): compact, keys sorted, raw UTF-8). EVENT/ACK whose data
// holds binary values become BINARY_EVENT/BINARY_ACK. Throws dub::Error when the packet cannot be
// valid (bad namespace, event without a name, binary inside CONNECT, ...).
Encoded encode(Packet packet);

// Normalises a namespace: "" -> "/", "monitor" -> "/monitor". Throws dub::Error on ',' or control characters.
std::string normalize_namespace(std::string_view nsp);

// Convenience builders.
Packet make_connect(std::string_view nsp, const nlohmann::json& auth = nullptr);
Packet make_disconnect(std::string_view nsp);
// args: the event's arguments (a JSON array, possibly empty).
Packet make_event(std::string_view nsp, std::string_view event, nlohmann::json args,
                  std::optional<std::uint64_t> id = std::nullopt);
Packet make_ack(std::string_view nsp, std::uint64_t id, nlohmann::json args);

// Reassembles packets from Engine.IO message payloads. Not thread-safe; one per connection.
class Decoder {
 public:
  // Feeds the data of an Engine.IO text message. Returns the packet when complete, nothing when it
  // announced binary attachments still to come. Throws dub::Error on a malformed packet, or when a
  // text message arrives while attachments are still expected.
  std::optional<Packet> feed_text(std::string_view text);
  // Feeds one binary message (an attachment). Throws dub::Error when no attachment was expected or a
  // placeholder does not match the attachments. Returns the packet after the last attachment.
  std::optional<Packet> feed_binary(Bytes bytes);
  [[nodiscard]] bool awaiting_attachments() const { return pending_.has_value(); }
  // Number of attachments still missing for the pending packet.
  [[nodiscard]] std::size_t missing_attachments() const;
  void reset();

  // Upper bound on announced attachments per packet (a larger count is a protocol error).
  static constexpr std::uint64_t kMaxAttachments = 10000;

 private:
  std::optional<Packet> pending_;
  std::size_t expected_ = 0;
  std::vector<Bytes> attachments_;
};

// Decodes one complete non-binary Socket.IO packet (convenience over Decoder for tests and tools).
// Throws dub::Error for binary packets: those need a Decoder.
Packet decode(std::string_view text);

// Replaces {"_placeholder":true,"num":i} by attachments[i]. Throws dub::Error on a bad placeholder.
nlohmann::json reconstruct_binary(nlohmann::json data, std::vector<Bytes>& attachments);
// Replaces each binary value by a placeholder and moves it into `attachments` (appended).
nlohmann::json deconstruct_binary(nlohmann::json data, std::vector<Bytes>& attachments);
bool has_binary(const nlohmann::json& data);

}  // namespace dub::sio
