#include "dub/sio/codec.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <utility>

#include "dub/util/error.hpp"

namespace dub::sio {

namespace {

using nlohmann::json;

constexpr int kMaxDepth = 256;

// A short, printable excerpt of a frame for error messages.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 80;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMax) out += fmt::format("...({} bytes)", text.size());
  return "\"" + out + "\"";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads decimal digits at text[pos...], advancing pos past all of them. Returns nullopt on overflow.
std::optional<std::uint64_t> read_number(std::string_view text, std::size_t& pos) {
  std::uint64_t value = 0;
  bool overflow = false;
  while (pos < text.size() && is_digit(text[pos])) {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
    if (!overflow) value = value * 10 + digit;
    ++pos;
  }
  if (overflow) return std::nullopt;
  return value;
}

// Nesting depth of a JSON text (brackets outside strings), without parsing it.
int json_depth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

json parse_json(std::string_view text, std::string_view what, std::string_view frame) {
  if (json_depth(text) > kMaxDepth) {
    throw Error(fmt::format("{}: JSON nested deeper than {} levels in {}", what, kMaxDepth, excerpt(frame)));
  }
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) throw Error(fmt::format("{}: invalid JSON in {}", what, excerpt(frame)));
  return value;
}

bool is_placeholder(const json& value) {
  if (!value.is_object()) return false;
  const auto it = value.find("_placeholder");
  return it != value.end() && it->is_boolean() && it->get<bool>();
}

void deconstruct(json& value, std::vector<Bytes>& attachments, int depth) {
  if (depth > kMaxDepth) throw Error(fmt::format("Socket.IO payload nested deeper than {} levels", kMaxDepth));
  if (value.is_binary()) {
    const auto num = attachments.size();
    attachments.push_back(std::move(static_cast<Bytes&>(value.get_binary())));
    value = json{{"_placeholder", true}, {"num", num}};
  } else if (value.is_array() || value.is_object()) {
    for (auto& item : value) deconstruct(item, attachments, depth + 1);
  }
}

void reconstruct(json& value, std::vector<Bytes>& attachments, std::vector<bool>& used, int depth) {
  if (depth > kMaxDepth) throw Error(fmt::format("Socket.IO payload nested deeper than {} levels", kMaxDepth));
  if (is_placeholder(value)) {
    const auto it = value.find("num");
    if (it == value.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() >= attachments.size()) {
      throw Error(fmt::format("Socket.IO binary placeholder {} does not name one of the {} attachments", value.dump(),
                              attachments.size()));
    }
    const auto num = it->get<std::size_t>();
    if (used[num]) throw Error(fmt::format("Socket.IO binary attachment {} is referenced twice", num));
    used[num] = true;
    value = json::binary(std::move(attachments[num]));
  } else if (value.is_array() || value.is_object()) {
    for (auto& item : value) reconstruct(item, attachments, used, depth + 1);
  }
}

bool contains_binary(const json& value, int depth) {
  if (depth > kMaxDepth) return false;
  if (value.is_binary()) return true;
  if (value.is_array() || value.is_object()) {
    for (const auto& item : value) {
      if (contains_binary(item, depth + 1)) return true;
    }
  }
  return false;
}

bool is_binary_type(PacketType type) {
  return type == PacketType::BinaryEvent || type == PacketType::BinaryAck;
}

// Checks the payload shape of a decoded or to-be-encoded packet; `where` ends the error message.
void validate(const Packet& packet, std::string_view what, const std::string& where) {
  const auto fail = [&](std::string_view rule) {
    throw Error(fmt::format("{}: {} {} {}", what, to_string(packet.type), rule, where));
  };
  switch (packet.type) {
    case PacketType::Connect:
      if (!packet.data.is_null() && !packet.data.is_object()) fail("payload must be a JSON object");
      break;
    case PacketType::Disconnect:  // a payload (python-socketio's always_connect refusal) is tolerated
      break;
    case PacketType::Event:
    case PacketType::BinaryEvent:
      if (!packet.data.is_array() || packet.data.empty() || !packet.data.front().is_string()) {
        fail("payload must be a JSON array starting with the event name");
      }
      break;
    case PacketType::Ack:
    case PacketType::BinaryAck:
      if (!packet.data.is_array()) fail("payload must be a JSON array");
      if (!packet.id) fail("needs an ack id");
      break;
    case PacketType::ConnectError:
      if (!packet.data.is_object() && !packet.data.is_string()) fail("payload must be a JSON object or string");
      break;
  }
}

struct Parsed {
  Packet packet;
  std::uint64_t attachments = 0;
};

Parsed parse_packet(std::string_view text) {
  constexpr std::string_view kWhat = "malformed Socket.IO packet";
  if (text.empty()) throw Error(fmt::format("{}: empty message", kWhat));
  const char type_char = text[0];
  if (type_char < '0' || type_char > '6') {
    throw Error(fmt::format("{}: unknown packet type '{}' in {}", kWhat, excerpt(text.substr(0, 1)), excerpt(text)));
  }
  Parsed out;
  out.packet.type = static_cast<PacketType>(type_char - '0');
  std::size_t pos = 1;
  if (is_binary_type(out.packet.type)) {
    const std::size_t start = pos;
    const auto count = read_number(text, pos);
    if (pos == start || pos >= text.size() || text[pos] != '-') {
      throw Error(fmt::format("{}: {} without attachment count ('<n>-') in {}", kWhat, to_string(out.packet.type),
                              excerpt(text)));
    }
    if (!count || *count > Decoder::kMaxAttachments) {
      throw Error(fmt::format("{}: attachment count above {} in {}", kWhat, Decoder::kMaxAttachments, excerpt(text)));
    }
    out.attachments = *count;
    ++pos;
  }
  if (pos < text.size() && text[pos] == '/') {
    const auto comma = text.find(',', pos);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    out.packet.nsp = std::string(text.substr(pos, end - pos));
    pos = comma == std::string_view::npos ? text.size() : comma + 1;
  }
  if (pos < text.size() && is_digit(text[pos])) {
    const auto id = read_number(text, pos);
    if (!id) throw Error(fmt::format("{}: ack id does not fit 64 bits in {}", kWhat, excerpt(text)));
    out.packet.id = *id;
  }
  if (pos < text.size()) out.packet.data = parse_json(text.substr(pos), kWhat, text);
  validate(out.packet, kWhat, "in " + excerpt(text));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Engine.IO

EioPacket decode_eio(std::string_view frame) {
  if (frame.empty()) throw Error("malformed Engine.IO packet: empty text frame");
  const char type = frame[0];
  if (type < '0' || type > '6') {
    throw Error(fmt::format("malformed Engine.IO packet: unknown packet type {} in {}", excerpt(frame.substr(0, 1)),
                            excerpt(frame)));
  }
  return EioPacket{static_cast<EioType>(type), std::string(frame.substr(1))};
}

std::string encode_eio(EioType type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out += static_cast<char>(type);
  out += data;
  return out;
}

OpenInfo parse_open(std::string_view json_text) {
  constexpr std::string_view kWhat = "malformed Engine.IO open packet";
  const json value = parse_json(json_text, kWhat, json_text);
  if (!value.is_object()) throw Error(fmt::format("{}: not a JSON object: {}", kWhat, excerpt(json_text)));
  OpenInfo info;
  const auto sid = value.find("sid");
  if (sid == value.end() || !sid->is_string() || sid->get<std::string>().empty()) {
    throw Error(fmt::format("{}: no \"sid\" string in {}", kWhat, excerpt(json_text)));
  }
  info.sid = sid->get<std::string>();
  const auto millis = [&](const char* key) {
    const auto it = value.find(key);
    if (it == value.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
        it->get<std::uint64_t>() > 24ULL * 3600 * 1000) {
      throw Error(fmt::format("{}: \"{}\" must be a positive whole number of milliseconds in {}", kWhat, key,
                              excerpt(json_text)));
    }
    return std::chrono::milliseconds(it->get<std::int64_t>());
  };
  info.ping_interval = millis("pingInterval");
  info.ping_timeout = millis("pingTimeout");
  if (const auto it = value.find("maxPayload"); it != value.end()) {
    if (!it->is_number_unsigned()) {
      throw Error(fmt::format("{}: \"maxPayload\" must be a whole number in {}", kWhat, excerpt(json_text)));
    }
    info.max_payload = it->get<std::uint64_t>();
  }
  if (const auto it = value.find("upgrades"); it != value.end()) {
    if (!it->is_array()) throw Error(fmt::format("{}: \"upgrades\" must be an array in {}", kWhat, excerpt(json_text)));
    for (const auto& upgrade : *it) {
      if (!upgrade.is_string()) {
        throw Error(fmt::format("{}: \"upgrades\" must hold strings in {}", kWhat, excerpt(json_text)));
      }
      info.upgrades.push_back(upgrade.get<std::string>());
    }
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// Socket.IO

const char* to_string(PacketType type) {
  // Indexed by the packet type's number (0..6).
  static constexpr std::array<const char*, 7> kNames{"CONNECT",       "DISCONNECT",   "EVENT",     "ACK",
                                                     "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};
  const auto i = static_cast<std::size_t>(type);
  return i < kNames.size() ? kNames.at(i) : "UNKNOWN";
}

std::string normalize_namespace(std::string_view nsp) {
  std::string out = nsp.empty() || nsp.front() != '/' ? "/" + std::string(nsp) : std::string(nsp);
  for (const char c : out) {
    if (c == ',' || static_cast<unsigned char>(c) < 0x20) {
      throw Error(fmt::format("invalid Socket.IO namespace {}: no ',' or control characters allowed", excerpt(nsp)));
    }
  }
  return out;
}

bool has_binary(const json& data) {
  return contains_binary(data, 0);
}

json deconstruct_binary(json data, std::vector<Bytes>& attachments) {
  deconstruct(data, attachments, 0);
  return data;
}

json reconstruct_binary(json data, std::vector<Bytes>& attachments) {
  std::vector<bool> used(attachments.size(), false);
  reconstruct(data, attachments, used, 0);
  return data;
}

Encoded encode(Packet packet) {
  packet.nsp = normalize_namespace(packet.nsp);
  Encoded out;
  const bool binary = has_binary(packet.data);
  if (binary) {
    if (packet.type == PacketType::Event) packet.type = PacketType::BinaryEvent;
    if (packet.type == PacketType::Ack) packet.type = PacketType::BinaryAck;
    if (!is_binary_type(packet.type)) {
      throw Error(fmt::format("cannot encode Socket.IO {}: binary values are only allowed in events and acks",
                              to_string(packet.type)));
    }
  }
  validate(packet, "cannot encode Socket.IO packet", "(namespace " + packet.nsp + ")");
  if (is_binary_type(packet.type)) packet.data = deconstruct_binary(std::move(packet.data), out.attachments);

  out.text += static_cast<char>('0' + static_cast<int>(packet.type));
  if (is_binary_type(packet.type)) out.text += fmt::format("{}-", out.attachments.size());
  if (packet.nsp != "/") {
    out.text += packet.nsp;
    out.text += ',';
  }
  if (packet.id) out.text += std::to_string(*packet.id);
  if (!packet.data.is_null()) {
    try {
      out.text += packet.data.dump();
    } catch (const json::exception& e) {
      throw Error(fmt::format("cannot encode Socket.IO {}: {}", to_string(packet.type), e.what()));
    }
  }
  return out;
}

Packet make_connect(std::string_view nsp, const json& auth) {
  Packet p;
  p.type = PacketType::Connect;
  p.nsp = normalize_namespace(nsp);
  p.data = auth;
  return p;
}

Packet make_disconnect(std::string_view nsp) {
  Packet p;
  p.type = PacketType::Disconnect;
  p.nsp = normalize_namespace(nsp);
  return p;
}

Packet make_event(std::string_view nsp, std::string_view event, json args, std::optional<std::uint64_t> id) {
  if (!args.is_array()) throw Error(fmt::format("Socket.IO event '{}': arguments must be a JSON array", event));
  Packet p;
  p.type = PacketType::Event;
  p.nsp = normalize_namespace(nsp);
  p.id = id;
  p.data = json::array();
  p.data.get_ref<json::array_t&>().reserve(args.size() + 1);
  p.data.push_back(std::string(event));
  for (auto& arg : args) p.data.push_back(std::move(arg));
  return p;
}

Packet make_ack(std::string_view nsp, std::uint64_t id, json args) {
  if (!args.is_array()) throw Error("Socket.IO ack: arguments must be a JSON array");
  Packet p;
  p.type = PacketType::Ack;
  p.nsp = normalize_namespace(nsp);
  p.id = id;
  p.data = std::move(args);
  return p;
}

std::optional<Packet> Decoder::feed_text(std::string_view text) {
  if (pending_) {
    throw Error(
        fmt::format("malformed Socket.IO stream: text message {} while {} binary attachment(s) of a {} are "
                    "still missing",
                    excerpt(text), missing_attachments(), to_string(pending_->type)));
  }
  Parsed parsed = parse_packet(text);
  if (!is_binary_type(parsed.packet.type)) return std::move(parsed.packet);
  if (parsed.attachments == 0) {
    parsed.packet.data = reconstruct_binary(std::move(parsed.packet.data), attachments_);
    return std::move(parsed.packet);
  }
  pending_ = std::move(parsed.packet);
  expected_ = static_cast<std::size_t>(parsed.attachments);
  attachments_.clear();
  attachments_.reserve(expected_);
  return std::nullopt;
}

std::optional<Packet> Decoder::feed_binary(Bytes bytes) {
  if (!pending_) {
    throw Error(
        fmt::format("malformed Socket.IO stream: unexpected binary message ({} bytes) with no pending "
                    "BINARY_EVENT/BINARY_ACK",
                    bytes.size()));
  }
  attachments_.push_back(std::move(bytes));
  if (attachments_.size() < expected_) return std::nullopt;
  Packet packet = std::move(*pending_);
  std::vector<Bytes> attachments;
  attachments.swap(attachments_);
  reset();
  packet.data = reconstruct_binary(std::move(packet.data), attachments);
  return packet;
}

std::size_t Decoder::missing_attachments() const {
  return pending_ ? expected_ - attachments_.size() : 0;
}

void Decoder::reset() {
  pending_.reset();
  expected_ = 0;
  attachments_.clear();
}

Packet decode(std::string_view text) {
  Parsed parsed = parse_packet(text);
  if (is_binary_type(parsed.packet.type) && parsed.attachments > 0) {
    throw Error(fmt::format("{} with {} attachment(s) needs a Decoder: {}", to_string(parsed.packet.type),
                            parsed.attachments, excerpt(text)));
  }
  if (is_binary_type(parsed.packet.type)) {
    std::vector<Bytes> none;
    parsed.packet.data = reconstruct_binary(std::move(parsed.packet.data), none);
  }
  return std::move(parsed.packet);
}

}  // namespace dub::sio
