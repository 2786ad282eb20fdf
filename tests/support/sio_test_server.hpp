#pragma once
// Starts tests/support/sio_test_server.py (a real python-socketio server) with the tools venv's
// python (scripts/python-tools python, which creates build/tools-venv on first use) and stops it.
// Header-only so tests/CMakeLists.txt needs no change; include it as "../support/sio_test_server.hpp".
//
// When the venv cannot be made or the server does not start, the constructor throws
// std::runtime_error with the reason: the tests fail loudly, they never skip.
#define BOOST_PROCESS_USE_STD_FS 1  // std::filesystem: nothing to link
#include <signal.h>

#include <boost/process.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dub::test {

namespace bp = boost::process;

// Path of the tools venv's python; created once per process.
inline std::string tools_python() {
  static std::mutex mutex;
  static std::string cached;
  const std::lock_guard lock(mutex);
  if (!cached.empty()) return cached;
  const std::string script = std::string(DUB_SOURCE_DIR) + "/scripts/python-tools";
  bp::ipstream out;
  std::error_code ec;
  bp::child child(script, "python", bp::std_out > out, bp::std_in < bp::null, ec);
  if (ec) throw std::runtime_error("cannot run " + script + ": " + ec.message());
  std::string line;
  std::string last;
  while (std::getline(out, line)) {
    if (!line.empty()) last = line;
  }
  child.wait();
  if (child.exit_code() != 0 || last.empty()) {
    throw std::runtime_error(
        "'" + script + " python' failed (exit " + std::to_string(child.exit_code()) +
        "): the Socket.IO client tests need the tools venv (build/tools-venv) with python-socketio and aiohttp; "
        "see the messages above (pip needs the package registry configured for this host)");
  }
  cached = last;
  return cached;
}

struct ServerOptions {
  std::optional<std::string> token;
  std::optional<double> ping_interval_s;
  std::optional<double> ping_timeout_s;
  std::vector<std::string> omit;  // keys the minimal STS leaves out of fragment:processed (FR-022 tests)
  int port = 0;                   // 0 = any free port
};

class SioTestServer {
 public:
  explicit SioTestServer(const ServerOptions& options = {}) {
    const std::string script = std::string(DUB_SOURCE_DIR) + "/tests/support/sio_test_server.py";
    std::vector<std::string> args = {"-u", script, "--port", std::to_string(options.port)};
    if (options.token) args.insert(args.end(), {"--token", *options.token});
    if (options.ping_interval_s) args.insert(args.end(), {"--ping-interval", std::to_string(*options.ping_interval_s)});
    if (options.ping_timeout_s) args.insert(args.end(), {"--ping-timeout", std::to_string(*options.ping_timeout_s)});
    for (const auto& key : options.omit) args.insert(args.end(), {"--omit", key});
    std::error_code ec;
    child_ = bp::child(tools_python(), bp::args(args), bp::std_out > out_, bp::std_in < in_, ec);
    if (ec) throw std::runtime_error("cannot start " + script + ": " + ec.message());
    // Read "PORT <n>" without risking a hang: give up (and kill the child) after a minute.
    auto line = std::async(std::launch::async, [this] {
      std::string text;
      std::getline(out_, text);
      return text;
    });
    if (line.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      child_.terminate();
      throw std::runtime_error("sio_test_server.py printed no port within 60 s");
    }
    const std::string text = line.get();
    if (text.rfind("PORT ", 0) != 0) {
      stop();
      throw std::runtime_error("sio_test_server.py did not start (first line: '" + text + "'); see its stderr above");
    }
    port_ = std::stoi(text.substr(5));
  }

  ~SioTestServer() { stop(); }
  SioTestServer(const SioTestServer&) = delete;
  SioTestServer& operator=(const SioTestServer&) = delete;
  SioTestServer(SioTestServer&&) = delete;
  SioTestServer& operator=(SioTestServer&&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Freezes / thaws the server process (SIGSTOP / SIGCONT): its sockets stay open but it says nothing.
  void pause() { ::kill(child_.id(), SIGSTOP); }
  void resume() { ::kill(child_.id(), SIGCONT); }

  // Stops the server: closing its stdin asks it to exit; killed if still running after 10 s.
  void stop() {
    if (!child_.valid() || stopped_) return;
    stopped_ = true;
    resume();
    in_.pipe().close();
    for (int i = 0; i < 100 && child_.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::error_code ec;
    if (child_.running(ec)) child_.terminate(ec);
    child_.wait(ec);
  }

 private:
  bp::ipstream out_;
  bp::opstream in_;
  bp::child child_;
  int port_ = 0;
  bool stopped_ = false;
};

// The real STS service (src/sts-service, run from source with the tools venv) in echo mode on `port`
// (STS_MODE=echo: fragment:processed carries the input audio back). Stopped with SIGTERM.
class StsEchoServer {
 public:
  StsEchoServer(int port, const std::string& token) : port_(port) {
    auto env = boost::this_process::environment();
    env["STS_MODE"] = "echo";
    env["HOST"] = "127.0.0.1";
    env["PORT"] = std::to_string(port);
    env["STS_AUTH_TOKEN"] = token;
    env["PYTHONDONTWRITEBYTECODE"] = "1";
    std::error_code ec;
    child_ = bp::child(tools_python(), "-m", "sts_service", env,
                       bp::start_dir = std::string(DUB_SOURCE_DIR) + "/src/sts-service", bp::std_in < bp::null, ec);
    if (ec) throw std::runtime_error("cannot start the STS service (python -m sts_service): " + ec.message());
  }
  ~StsEchoServer() {
    std::error_code ec;
    if (!child_.running(ec)) return;
    ::kill(child_.id(), SIGTERM);
    for (int i = 0; i < 100 && child_.running(ec); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (child_.running(ec)) child_.terminate(ec);
    child_.wait(ec);
  }
  StsEchoServer(const StsEchoServer&) = delete;
  StsEchoServer& operator=(const StsEchoServer&) = delete;
  StsEchoServer(StsEchoServer&&) = delete;
  StsEchoServer& operator=(StsEchoServer&&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] bool running() {
    std::error_code ec;
    return child_.running(ec);
  }

 private:
  int port_;
  bp::child child_;
};

}  // namespace dub::test
