#include "dub/sts/socketio_client.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <optional>

#include "dub/sio/client.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"

namespace dub::sts {

// State shared with the Socket.IO client's thread (handlers may outlive a failed open()).
struct SocketIoStsClient::Shared {
  std::mutex mutex;
  std::condition_variable cv;
  Handlers handlers;
  std::string stream_id;
  bool ready_waiting = false;
  std::optional<nlohmann::json> ready;  // stream:ready payload
  std::optional<std::string> refused;   // error answering stream:init
  bool closed = false;                  // close() called: forward nothing more
  bool disconnected = false;            // on_disconnect already reported
  bool opened = false;                  // stream:ready received
};

namespace {

const nlohmann::json& first_arg(const nlohmann::json& args, const char* event) {
  if (!args.is_array() || args.empty()) throw Error(fmt::format("{}: no payload", event));
  return args.front();
}

// The caller's handler `member`, or an empty one once close() was called.
template <class Shared, class F>
F handler(Shared& shared, F StsClient::Handlers::*member) {
  const std::lock_guard lock(shared.mutex);
  if (shared.closed) return {};
  return shared.handlers.*member;
}

}  // namespace

SocketIoStsClient::SocketIoStsClient(SocketIoOptions options)
    : options_(std::move(options)), shared_(std::make_shared<Shared>()) {}

SocketIoStsClient::~SocketIoStsClient() {
  close();
}

std::string SocketIoStsClient::describe() const {
  return fmt::format("socketio {}{}", options_.url, options_.path);
}

StsReady SocketIoStsClient::open(const StsStreamConfig& config, Handlers handlers, std::chrono::milliseconds timeout) {
  if (client_) throw Error("STS client already opened");
  stream_id_ = config.stream_id;
  {
    const std::lock_guard lock(shared_->mutex);
    shared_->handlers = std::move(handlers);
    shared_->stream_id = config.stream_id;
    shared_->ready_waiting = true;
  }
  dub::sio::ClientOptions co;
  co.url = options_.url;
  co.path = options_.path;
  if (!options_.auth_token.empty()) co.auth = {{"token", options_.auth_token}};
  co.reconnect.enabled = false;
  co.connect_timeout = timeout;
  client_ = std::make_unique<dub::sio::Client>(co);
  subscribe();
  client_->connect({"/"});  // throws dub::Error naming the URL
  if (!client_->emit("/", protocol::kStreamInit, protocol::encode_stream_init(config))) {
    throw Error(fmt::format("STS at {}: connection lost before stream:init", options_.url));
  }
  return await_ready(timeout);
}

StsReady SocketIoStsClient::await_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  const bool answered = shared_->cv.wait_for(lock, timeout, [&] {
    return shared_->ready.has_value() || shared_->refused.has_value() || shared_->disconnected;
  });
  shared_->ready_waiting = false;
  if (shared_->refused) throw Error(fmt::format("STS at {} refused stream:init: {}", options_.url, *shared_->refused));
  if (shared_->disconnected && !shared_->ready) {
    throw Error(fmt::format("STS at {}: connection lost while opening the stream", options_.url));
  }
  if (!answered || !shared_->ready) {
    throw Error(fmt::format("STS at {}: no stream:ready within {} ms", options_.url, timeout.count()));
  }
  return protocol::decode_stream_ready(*shared_->ready);
}

void SocketIoStsClient::subscribe() {
  auto shared = shared_;
  client_->on("/", protocol::kStreamReady, [shared](const nlohmann::json& args) {
    const std::lock_guard lock(shared->mutex);
    if (!args.empty()) shared->ready = args.front();
    shared->opened = true;
    shared->cv.notify_all();
  });
  client_->on("/", protocol::kError, [shared](const nlohmann::json& args) { on_error_event(*shared, args); });
  client_->on("/", protocol::kFragmentAck, [shared](const nlohmann::json& args) {
    if (!args.empty()) dub::log::debug("fragment acknowledged", {{"ack", args.front()}});
    const auto forward = handler(*shared, &Handlers::on_ack);
    if (!forward) return;
    try {
      forward(protocol::decode_fragment_ack(first_arg(args, protocol::kFragmentAck)));
    } catch (const dub::Error& e) {
      dub::log::warn("undecodable fragment:ack", {{"error", e.what()}});
    }
  });
  client_->on("/", protocol::kFragmentProcessed, [shared](const nlohmann::json& args) { on_processed(*shared, args); });
  client_->on("/", protocol::kStreamComplete, [shared](const nlohmann::json& args) {
    const auto forward = handler(*shared, &Handlers::on_complete);
    if (forward) forward(args.empty() ? nlohmann::json::object() : args.front());
  });
  client_->on_state([shared](const dub::sio::StateChange& change) { on_state(*shared, change); });
}

void SocketIoStsClient::on_error_event(Shared& shared, const nlohmann::json& args) {
  StsError err;
  try {
    err = protocol::decode_error(first_arg(args, protocol::kError));
  } catch (const std::exception& e) {
    err.code = protocol::code::kInvalidPayload;
    err.message = fmt::format("undecodable error event: {}", e.what());
  }
  std::function<void(StsError)> forward;
  {
    const std::lock_guard lock(shared.mutex);
    if (shared.closed) return;
    if (shared.ready_waiting && !shared.opened &&
        (err.event == protocol::kStreamInit || err.event.empty() || err.stream_id == shared.stream_id)) {
      shared.refused = fmt::format("{}: {}", err.code, err.message);
      shared.cv.notify_all();
      return;
    }
    forward = shared.handlers.on_error;
  }
  if (forward) forward(std::move(err));
}

void SocketIoStsClient::on_processed(Shared& shared, const nlohmann::json& args) {
  std::function<void(StsResult)> forward_result;
  std::function<void(StsError)> forward_error;
  std::string stream_id;
  {
    const std::lock_guard lock(shared.mutex);
    if (shared.closed) return;
    forward_result = shared.handlers.on_result;
    forward_error = shared.handlers.on_error;
    stream_id = shared.stream_id;
  }
  try {
    auto result = protocol::decode_fragment_processed(first_arg(args, protocol::kFragmentProcessed));
    if (forward_result) forward_result(std::move(result));
  } catch (const std::exception& e) {
    // A protocol error of the service (FR-022: e.g. a result without its transcript): the fragment
    // cannot be used and is passed through (if we can tell which one it was).
    StsError err;
    err.code = protocol::kBadResult;
    err.message = e.what();
    err.event = protocol::kFragmentProcessed;
    if (!args.empty() && args.front().is_object()) {
      const auto& p = args.front();
      if (const auto it = p.find("sequence_number"); it != p.end() && it->is_number_unsigned()) {
        err.sequence_number = it->get<std::uint64_t>();
      }
    }
    dub::log::error("sts protocol error: undecodable fragment:processed",
                    {{"stream", stream_id},
                     {"sequence_number", err.sequence_number ? nlohmann::json(*err.sequence_number) : nlohmann::json()},
                     {"code", err.code},
                     {"error", e.what()}});
    if (forward_error && err.sequence_number) forward_error(std::move(err));
  }
}

void SocketIoStsClient::on_state(Shared& shared, const dub::sio::StateChange& change) {
  if (change.state != dub::sio::State::Disconnected && change.state != dub::sio::State::Failed &&
      change.state != dub::sio::State::Closed) {
    return;
  }
  std::function<void(std::string)> forward;
  {
    const std::lock_guard lock(shared.mutex);
    if (shared.closed || shared.disconnected) return;
    shared.disconnected = true;
    shared.cv.notify_all();
    if (!shared.opened) return;  // open() reports it
    forward = shared.handlers.on_disconnect;
  }
  if (forward) forward(change.reason.empty() ? std::string(dub::sio::to_string(change.state)) : change.reason);
}

void SocketIoStsClient::send(const StsFragment& fragment) {
  if (!client_ || !client_->emit("/", protocol::kFragmentData, protocol::encode_fragment_data(fragment))) {
    throw Error(fmt::format("STS at {}: not connected, fragment {} not sent", options_.url, fragment.sequence_number));
  }
}

void SocketIoStsClient::end() {
  if (client_) client_->emit("/", protocol::kStreamEnd, protocol::encode_stream_end(stream_id_));
}

void SocketIoStsClient::close() {
  {
    const std::lock_guard lock(shared_->mutex);
    shared_->closed = true;
  }
  if (client_) {
    client_->close();
    client_.reset();
  }
}

StsClientFactory make_socketio_factory(SocketIoOptions options) {
  return [options = std::move(options)]() -> std::unique_ptr<StsClient> {
    return std::make_unique<SocketIoStsClient>(options);
  };
}

}  // namespace dub::sts
