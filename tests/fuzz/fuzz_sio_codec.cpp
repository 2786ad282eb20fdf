// libFuzzer target: the Engine.IO / Socket.IO codec (dub/sio/codec.hpp) on untrusted frames.
//
// One input is tried four ways: as an Engine.IO text frame, as an open packet's JSON, as one
// Socket.IO packet (re-encoded when it decodes), and as a stream of frames fed to a Decoder: the
// input split at NUL bytes, a frame starting with 'B' being a binary message (the rest its bytes),
// any other a text message. Contract (codec.hpp): malformed input is a dub::Error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dub/sio/codec.hpp"
#include "fuzz_common.hpp"

namespace {

using dub::fuzz::guarded;
using namespace dub::sio;  // NOLINT(google-build-using-namespace): the codec under test

void decode_and_reencode(std::string_view text) {
  Packet packet;
  if (!guarded("sio::decode", [&] { packet = decode(text); })) return;
  guarded("sio::encode of a decoded packet", [&] {
    const auto wire = encode(packet);
    if (wire.attachments.empty()) (void)decode(wire.text);
  });
}

void feed_stream(std::string_view input) {
  Decoder decoder;
  std::size_t start = 0;
  while (start <= input.size()) {
    auto end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    const auto frame = input.substr(start, end - start);
    const bool ok = guarded("sio::Decoder", [&] {
      if (!frame.empty() && frame.front() == 'B') {
        (void)decoder.feed_binary(Bytes(frame.begin() + 1, frame.end()));
      } else {
        (void)decoder.feed_text(frame);
      }
    });
    if (!ok) decoder.reset();  // what the client does: drop the connection's partial state
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: libFuzzer's bytes
  guarded("sio::decode_eio", [&] { (void)decode_eio(input); });
  guarded("sio::parse_open", [&] { (void)parse_open(input); });
  decode_and_reencode(input);
  feed_stream(input);
  return 0;
}
