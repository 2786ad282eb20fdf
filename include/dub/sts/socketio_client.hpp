#pragma once
// StsClient over Socket.IO (dub::sio::Client, include/dub/sio/client.hpp) speaking docs/protocol.md:
//   open():  connect namespace "/", emit stream:init, wait for stream:ready (or an error)
//   send():  fragment:data with the PCM as a binary attachment
//   events:  fragment:ack -> on_ack, fragment:processed -> on_result, error -> on_error,
//            stream:complete -> on_complete, connection lost -> on_disconnect
// The Socket.IO client's own reconnection is switched off: the caller reconnects (the media
// service's worker, with its backoff policy) and re-opens the stream, since streams die with
// their connection.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "dub/sts/client.hpp"

namespace dub::sio {
class Client;
struct StateChange;
}  // namespace dub::sio

namespace dub::sts {

struct SocketIoOptions {
  std::string url = "http://sts-service:3000";  // STS_SERVICE_URL
  std::string path = "/socket.io";              // STS_SOCKETIO_PATH
  std::string auth_token;                       // STS_AUTH_TOKEN (optional)
};

class SocketIoStsClient : public StsClient {
 public:
  explicit SocketIoStsClient(SocketIoOptions options);
  ~SocketIoStsClient() override;
  SocketIoStsClient(const SocketIoStsClient&) = delete;
  SocketIoStsClient& operator=(const SocketIoStsClient&) = delete;
  SocketIoStsClient(SocketIoStsClient&&) = delete;
  SocketIoStsClient& operator=(SocketIoStsClient&&) = delete;

  StsReady open(const StsStreamConfig& config, Handlers handlers, std::chrono::milliseconds timeout) override;
  void send(const StsFragment& fragment) override;
  void end() override;
  void close() override;
  [[nodiscard]] std::string describe() const override;

 private:
  struct Shared;
  void subscribe();  // the event handlers, on client_
  StsReady await_ready(std::chrono::milliseconds timeout);
  static void on_error_event(Shared& shared, const nlohmann::json& args);
  static void on_processed(Shared& shared, const nlohmann::json& args);
  static void on_state(Shared& shared, const dub::sio::StateChange& change);

  SocketIoOptions options_;
  std::string stream_id_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<dub::sio::Client> client_;
};

StsClientFactory make_socketio_factory(SocketIoOptions options);

}  // namespace dub::sts
