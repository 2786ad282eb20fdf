// `wait: {http: URL, status: 200, body_contains: TEXT, timeout: 30s}`: polls the URL until it
// answers so (http_wait.hpp); a container of the run's stacks that died behind it ends the wait.
#include <fmt/format.h>

#include "http_wait.hpp"
#include "scenario_reader.hpp"
#include "session.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

class WaitHttp final : public StepOf<WaitHttpStep, WaitHttp> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.url, options.body_contains); }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("wait for HTTP {} from {}", options.status, options.url);
  }
  void run(StepContext& ctx, StepResult& result) const override {
    auto& session = ctx.session;
    HttpAnswer answer;
    result.detail = wait_http(
        options.url, options.status, options.body_contains, options.timeout,
        [&session](const std::string& url) { return session.not_running_behind(url); }, &answer);
    result.data = http_answer_json(answer.status, answer.body);
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<WaitHttp>();
  auto& o = step->options;
  o.url = r.string("http");
  o.status = r.integer("status", 200, 100, 599);
  o.body_contains = r.string_or("body_contains", "");
  o.timeout = r.duration("timeout", o.timeout);
  r.finish();
  return step;
}

}  // namespace

StepType wait_http_type() {
  return {"wait", {"http"}, "`http: URL`", parse};
}

}  // namespace dubctl
