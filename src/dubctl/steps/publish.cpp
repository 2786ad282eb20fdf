// `publish: {fixture: NAME, to: URL, background: true, realtime: true, pace: 10x, stop_after: 10s,
// wait_reader: 10s, mediamtx_api: URL}`: plays a fixture into MediaMTX like a live encoder, in the
// background unless told otherwise (`wait: {publish: done}` waits for the end); `pace: 10x` floods
// at ten times real time, `realtime: false` as fast as it can.
#include <fmt/format.h>

#include "dub/media/publish.hpp"
#include "evidence.hpp"
#include "http_wait.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

// "rtsp://host:port/live/x/in?q" -> "live/x/in" (a MediaMTX path name).
std::string url_path(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  if (slash == std::string::npos) throw dub::Error(fmt::format("wait_reader: '{}' names no stream path", url));
  auto path = url.substr(slash + 1);
  if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
  return path;
}

class Publish final : public StepOf<PublishStep, Publish> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.fixture, options.to, options.mediamtx_api); }
  [[nodiscard]] std::string describe() const override { return fmt::format("publish {}", options.fixture); }
  [[nodiscard]] std::string fixture() const override { return options.fixture; }
  [[nodiscard]] bool publishes() const override { return true; }

  void run(StepContext& ctx, StepResult& result) const override {
    const auto input = fixture_path(options.fixture, ctx.root);
    ctx.evidence.fixture = input;
    ctx.evidence.publish_stop_after_s = std::chrono::duration<double>(options.stop_after).count();
    if (!fs::exists(input)) throw dub::Error(missing_fixture_message(input, ctx.root));
    dub::media::PublishOptions o;
    o.realtime = options.realtime;
    o.speed = options.pace.value_or(1.0);
    o.stop_after_s = std::chrono::duration<double>(options.stop_after).count();
    // With wait_reader: the published path (e.g. live/<stream>/in) must have a reader before media goes out.
    const std::string reader_path = options.wait_reader.count() > 0 ? url_path(options.to) : "";
    // When the first packet goes out (the server accepted the stream, a reader waited for if asked):
    // set by the task before it reports started, read here after wait_started().
    auto first_packet_at = std::make_shared<std::chrono::system_clock::time_point>();
    auto task = std::make_unique<BackgroundTask>(
        "publish", [input, url = options.to, o, reader_path, api = options.mediamtx_api, wait_for = options.wait_reader,
                    first_packet_at](const std::atomic<bool>& cancel, const std::function<void()>& started) {
          auto run = o;
          run.cancel = &cancel;
          run.on_started = [&] {
            if (!reader_path.empty()) wait_reader(api, reader_path, wait_for);
            *first_packet_at = std::chrono::system_clock::now();
            started();
          };
          const auto r = dub::media::publish(input.string(), url, run);
          return fmt::format("{:.1f}s of media sent to {}", r.media_s, url);
        });
    if (!options.background) {
      task->wait_finished();
      if (!task->error().empty()) throw dub::Error(task->error());
      result.detail = task->summary();
    }
    task->wait_started();  // the server accepted the stream; a refused connection fails this step
    if (*first_packet_at != std::chrono::system_clock::time_point{}) ctx.evidence.published_at = *first_packet_at;
    ctx.tasks.push_back(std::move(task));
    result.detail = fmt::format("publishing {} to {} in the background", input.filename().string(), options.to);
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<Publish>();
  auto& o = step->options;
  o.fixture = r.string("fixture");
  o.to = r.string_or("to", o.to);
  if (r.has("background")) o.background = r.boolean("background", r.get("background"));
  if (r.has("realtime")) o.realtime = r.boolean("realtime", r.get("realtime"));
  o.pace = r.pace("pace");
  if (o.pace && !o.realtime) r.report(r.get("pace"), r.key_path("pace"), "`realtime: false` sends unpaced: drop one");
  o.stop_after = r.duration("stop_after", o.stop_after);
  o.wait_reader = r.duration("wait_reader", o.wait_reader);
  o.mediamtx_api = r.string_or("mediamtx_api", o.mediamtx_api);
  r.finish();
  return step;
}

}  // namespace

StepType publish_type() {
  return {"publish", {}, {}, parse};
}

}  // namespace dubctl
