// End to end through the dubctl binary, without Docker: a step's `vars:` take values from its result
// (an HTTP answer of a small server in this test) and a later step's URL uses them; a secret one is
// masked in the terminal, junit.xml and report.html; a capture that fails and a ${name} nothing sets
// fail their step naming file:line: key and the name.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "listening_socket.hpp"
#include "run_fixture.hpp"

namespace {

// Answers GET /info with a JSON body and any other path with 200 "ok", one connection at a time;
// remembers every path asked for.
class TinyHttp {
 public:
  TinyHttp() : thread_([this] { serve(); }) {}
  ~TinyHttp() {
    stop_ = true;
    ::shutdown(socket_.fd(), SHUT_RDWR);
    thread_.join();
  }
  TinyHttp(const TinyHttp&) = delete;
  TinyHttp& operator=(const TinyHttp&) = delete;
  TinyHttp(TinyHttp&&) = delete;
  TinyHttp& operator=(TinyHttp&&) = delete;

  [[nodiscard]] int port() const { return socket_.port(); }
  std::vector<std::string> paths() {
    const std::lock_guard lock(mutex_);
    return paths_;
  }

 private:
  void serve() {
    while (!stop_) {
      const int client = ::accept(socket_.fd(), nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      const auto start = request.find(' ') + 1;
      const auto path = request.substr(start, request.find(' ', start) - start);
      {
        const std::lock_guard lock(mutex_);
        paths_.push_back(path);
      }
      const std::string body = path == "/info"
                                   ? R"({"model": "base-v2", "items": [{"n": 7}], "log": "x tag=blue y",)"
                                     R"( "auth": "Bearer sk-live-998877", "session_token": "tok-abcdef-123"})"
                                   : "ok";
      const auto answer =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body;
      (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  dub::test::ListeningSocket socket_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> paths_;
  std::thread thread_;  // last: it serves the members above
};

class RunStepVars : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0); }

  // Writes scenarios/<name>.yaml with `steps` (${PORT} is the server's port) and runs it.
  [[nodiscard]] dub::test::DubctlRun run(const std::string& name, const std::string& steps,
                                         const std::string& args = "") const {
    project_.write("scenarios/" + name + ".yaml",
                   "name: " + name + "\ndescription: vars taken from an HTTP answer\nsteps:\n" + steps);
    return project_.run("scenarios/" + name + ".yaml --var PORT=" + std::to_string(server_.port()) + " " + args);
  }

  TinyHttp server_;
  dub::test::TempProject project_{"run-step-vars"};
};

TEST_F(RunStepVars, LaterStepsUseWhatAnEarlierOneCaptured) {
  const auto r =
      run("captured",
          "  - wait: {http: \"http://127.0.0.1:${PORT}/info\"}\n"
          "    vars:\n"
          "      model: $.body.model\n"
          "      first: \"$.body.items[0].n\"\n"
          "      tag: {from: $.body.log, regex: \"tag=(\\\\S+)\"}\n"
          "      key: {from: $.body.auth, regex: \"sk-(\\\\w+)\"}\n"
          "      session_token: /body/session_token\n"
          "  - wait: {http: \"http://127.0.0.1:${PORT}/use/${model}/${first}/${tag}/${key}/${session_token}\"}\n",
          "--var API_TOKEN=sk-live-998877");
  EXPECT_EQ(r.status, 0) << r.err;
  const auto paths = server_.paths();
  ASSERT_EQ(paths.size(), 2U) << r.err;
  EXPECT_EQ(paths[1], "/use/base-v2/7/blue/live/tok-abcdef-123");  // every value reached the later step
  // The step line names what it captured, the secret ones masked: `key` is part of API_TOKEN's
  // value, session_token is named as secrets are.
  EXPECT_NE(r.err.find("vars: model=base-v2, first=7, tag=blue, key=***, session_token=***"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("/use/base-v2/7/blue/***/***"), std::string::npos) << r.err;  // the later step's line
  for (const std::string secret : {"tok-abcdef-123", "/live/"}) {
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    EXPECT_EQ(r.junit.find(secret), std::string::npos) << r.junit;
    EXPECT_EQ(r.html.find(secret), std::string::npos) << secret;
  }
}

TEST_F(RunStepVars, ACaptureThatFailsNamesItsPlace) {
  const auto r = run("missing_key",
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/info\"}\n"
                     "    vars: {model: $.body.modle}\n"
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/use/${model}\"}\n");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.junit.find("scenarios/missing_key.yaml:5: steps[0].vars.model: cannot capture ${model}: $.body has no "
                         "&#39;modle&#39;; did you mean model?"),
            std::string::npos)
      << r.junit;
  EXPECT_EQ(server_.paths().size(), 1U);  // the later step never ran
}

TEST_F(RunStepVars, AnUnsetNameIsToldWithItsPlace) {
  const auto r = run("unset",
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/info\"}\n"
                     "    vars: {model: $.body.model}\n"
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/use/${mdoel}\"}\n");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.junit.find("scenarios/unset.yaml:6: steps[1].wait.http: ${mdoel} is not set: no earlier step captures "
                         "it"),
            std::string::npos)
      << r.junit;
  EXPECT_NE(r.junit.find("did you mean model?"), std::string::npos) << r.junit;
  // report.json still says which step it was: its kind and its description as written.
  const auto report = nlohmann::json::parse(r.json, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.json;
  const auto& step = report["scenarios"][0]["steps"][1];
  EXPECT_EQ(step["kind"], "wait") << step;
  EXPECT_EQ(step["status"], "failed") << step;
  EXPECT_NE(step["description"].get<std::string>().find("/use/${mdoel}"), std::string::npos) << step;
}

// Checked before anything runs: a use before the capture fails the run at once, nothing asked.
TEST_F(RunStepVars, AUseBeforeTheCaptureStopsTheRunBeforeItStarts) {
  const auto r = run("order",
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/use/${model}\"}\n"
                     "  - wait: {http: \"http://127.0.0.1:${PORT}/info\"}\n"
                     "    vars: {model: $.body.model}\n");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("scenarios/order.yaml:4: steps[0].wait.http: ${model} is used before any step captures it"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(server_.paths().empty());
}

}  // namespace
