// libFuzzer target: the STS payload decoders (dub/sts/protocol.hpp, dub/sts/monitor.hpp).
//
// The input is JSON text (what arrives inside a Socket.IO event); each binary placeholder
// {"_placeholder":true,"num":0} becomes a small binary attachment, as the codec would do. Every
// decoder of the main and /monitor namespaces then reads the same payload. Contract: a payload that
// does not fit is a dub::Error naming the event and the field, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dub/sio/codec.hpp"
#include "dub/sts/monitor.hpp"
#include "dub/sts/protocol.hpp"
#include "fuzz_common.hpp"

namespace proto = dub::sts::protocol;
using dub::fuzz::guarded;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: libFuzzer's bytes
  // The codec guards nesting depth before nlohmann parses; go through it as the client does.
  std::string frame = "2[\"event\",";
  frame.append(input);
  frame += ']';
  nlohmann::json payload;
  if (!guarded("sio::decode", [&] { payload = dub::sio::decode(frame).data.at(1); })) {
    payload = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);  // any other top-level value
    if (payload.is_discarded()) return 0;
  }
  std::vector<dub::sio::Bytes> attachments{{0x01, 0x00, 0xff, 0x7f}};
  guarded("sio::reconstruct_binary", [&] { payload = dub::sio::reconstruct_binary(payload, attachments); });

  guarded("decode_stream_ready", [&] { (void)proto::decode_stream_ready(payload); });
  guarded("decode_fragment_ack", [&] { (void)proto::decode_fragment_ack(payload); });
  guarded("decode_fragment_processed", [&] { (void)proto::decode_fragment_processed(payload); });
  guarded("decode_error", [&] { (void)proto::decode_error(payload); });
  guarded("decode_stream_complete", [&] { (void)proto::decode_stream_complete(payload); });
  guarded("decode_fragment_summary", [&] { (void)proto::decode_fragment_summary(payload); });
  guarded("decode_monitor_hello", [&] { (void)proto::decode_monitor_hello(payload); });
  guarded("decode_stream_started", [&] { (void)proto::decode_stream_started(payload); });
  return 0;
}
