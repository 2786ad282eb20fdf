// dub::sio::Client against the real STS service (src/sts-service, echo mode, run from source with
// the tools venv): a whole stream with auth and the /monitor namespace.
#include "sio_client_helpers.hpp"

namespace sio_test {

// The real STS service in echo mode: the protocol of docs/protocol.md end to end, audio byte-exact.
TEST(SioStsEcho, StreamRoundTripWithAuthAndMonitor) {
  const int port = free_port();
  dub::test::StsEchoServer sts(port, "tok3n");
  auto options = options_for(sts.url());
  options.auth = {{"token", "tok3n"}};
  // The service needs a moment to start: retry refused connections (at most ~60 s).
  options.reconnect.max_attempts = 240;
  options.reconnect.initial_delay = 250ms;
  options.reconnect.factor = 1.0;
  Recorder rec;
  Client client(options);
  for (const char* event : {"stream:ready", "fragment:ack", "fragment:processed", "stream:complete", "error"}) {
    rec.listen(client, "/", event);
  }
  for (const char* event : {"monitor:hello", "stream:started", "fragment:summary", "stream:completed"}) {
    rec.listen(client, "/monitor", event);
  }
  client.connect({"/", "/monitor"});
  ASSERT_TRUE(sts.running());
  const auto hello = rec.wait_events("/monitor monitor:hello");
  ASSERT_EQ(hello.size(), 1U);
  EXPECT_EQ(hello[0][0]["mode"], "echo");

  const json init = {{"stream_id", "sio-test-1"},
                     {"source_language", "en"},
                     {"target_language", "es"},
                     {"sample_rate", 48000},
                     {"channels", 1},
                     {"sample_format", "s16le"},
                     {"fragment_duration_ns", 2000000000LL}};
  ASSERT_TRUE(client.emit("/", "stream:init", init));
  const auto ready = rec.wait_events("/ stream:ready");
  ASSERT_EQ(ready.size(), 1U) << json(rec.wait_events("/ error", 0)).dump();
  EXPECT_EQ(ready[0][0]["mode"], "echo");
  EXPECT_EQ(ready[0][0]["stream_id"], "sio-test-1");

  // 2 s of 48 kHz mono s16le = 192000 bytes, as a binary attachment; echoed back byte for byte.
  const Bytes audio = pcm(192000);
  const json fragment = {{"stream_id", "sio-test-1"},   {"fragment_id", "sio-test-1-0000"},
                         {"sequence_number", 0},        {"pts_ns", 0},
                         {"duration_ns", 2000000000LL}, {"audio", json::binary(audio)}};
  ASSERT_TRUE(client.emit("/", "fragment:data", fragment));
  const auto ack = rec.wait_events("/ fragment:ack");
  ASSERT_EQ(ack.size(), 1U) << json(rec.wait_events("/ error", 0)).dump();
  EXPECT_EQ(ack[0][0]["status"], "queued");
  const auto processed = rec.wait_events("/ fragment:processed");
  ASSERT_EQ(processed.size(), 1U);
  const json& result = processed[0][0];
  EXPECT_EQ(result["fragment_id"], "sio-test-1-0000");
  ASSERT_TRUE(result["dubbed_audio"].is_binary());
  EXPECT_EQ(bytes_of(result["dubbed_audio"]), audio);

  ASSERT_TRUE(client.emit("/", "stream:end", {{"stream_id", "sio-test-1"}}));
  const auto complete = rec.wait_events("/ stream:complete");
  ASSERT_EQ(complete.size(), 1U);
  EXPECT_EQ(complete[0][0]["fragments_processed"], 1);
  // The monitor namespace saw the same stream.
  EXPECT_EQ(rec.wait_events("/monitor stream:started").size(), 1U);
  EXPECT_EQ(rec.wait_events("/monitor fragment:summary").at(0)[0]["dubbed_audio_bytes"], audio.size());
  EXPECT_EQ(rec.wait_events("/monitor stream:completed").size(), 1U);
  EXPECT_TRUE(rec.wait_events("/ error", 0).empty()) << json(rec.wait_events("/ error", 0)).dump();

  // A wrong token is refused with the service's CONNECT_ERROR, and not retried.
  auto wrong = options_for(sts.url());
  wrong.auth = {{"token", "nope"}};
  Client intruder(wrong);
  const std::string error = error_of([&] { intruder.connect(); });
  EXPECT_TRUE(contains(error, "UNAUTHORIZED")) << error;
  EXPECT_TRUE(contains(error, "not retried")) << error;
}

}  // namespace sio_test
