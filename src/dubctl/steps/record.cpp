// `record: {from: URL, to: dubbed.mp4, timeout: 30s, idle_timeout: 5s}`: records a stream into the
// scenario's artifacts in the background until it ends (`wait: {record: done}` waits for that).
#include <fmt/format.h>

#include "dub/media/publish.hpp"
#include "eventually.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

class Record final : public StepOf<RecordStep, Record> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.from, options.to); }
  [[nodiscard]] std::string describe() const override { return fmt::format("record {}", options.from); }

  void run(StepContext& ctx, StepResult& result) const override {
    const auto file = ctx.scenario_dir / options.to;
    fs::create_directories(file.parent_path());
    dub::media::RecordOptions o;
    o.idle_timeout_s = std::chrono::duration<double>(options.idle_timeout).count();
    ctx.tasks.push_back(std::make_unique<BackgroundTask>(
        "record", [url = options.from, file, o, appear = options.timeout](const std::atomic<bool>& cancel,
                                                                          const std::function<void()>& started) {
          auto run = o;
          run.cancel = &cancel;
          started();
          // The output exists only once the pipeline publishes it: retry until it appears.
          std::string summary;
          std::string last;
          try {
            const auto attempt = [&](std::string& error) -> std::optional<std::string> {
              try {
                const auto r = dub::media::record(url, file.string(), run);
                return summary = fmt::format("{:.1f}s recorded into {} (joined {:.2f}s before a keyframe)", r.media_s,
                                             file.string(), r.skipped_s);
              } catch (const dub::Error& e) {
                error = e.what();
                return std::nullopt;
              }
            };
            if (eventually({{}, appear, std::chrono::milliseconds(50), &cancel}, attempt, last)) return summary;
          } catch (const Cancelled&) {
          }
          throw dub::Error(fmt::format("recording {} failed: {}", url, last));
        }));
    result.detail = fmt::format("recording {} into {}", options.from, file.string());
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<Record>();
  auto& o = step->options;
  o.from = r.string("from");
  o.to = r.string_or("to", o.to);
  if (fs::path(o.to).is_absolute() || o.to.find("..") != std::string::npos) {
    r.report(r.get("to"), r.key_path("to"), "must be a file name inside the scenario's artifacts folder");
  }
  o.timeout = r.duration("timeout", o.timeout);
  o.idle_timeout = r.duration("idle_timeout", o.idle_timeout);
  r.finish();
  return step;
}

}  // namespace

StepType record_type() {
  return {"record", {}, {}, parse};
}

}  // namespace dubctl
