#include "scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dub/util/env.hpp"
#include "log_wait.hpp"
#include "scenario_faults.hpp"
#include "scenario_reader.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::kStacks;
using scenario_detail::Reader;

std::vector<std::string> stack_names(Reader& r, const std::string& key, const YAML::Node& at) {
  auto names = r.string_list(key);
  if (names.empty()) r.fail(at, r.key_path(key), "names no stack");
  for (const auto& name : names) {
    if (!kStacks.contains(name))
      r.fail(at, r.key_path(key), fmt::format("unknown stack '{}' (use media or sts)", name));
  }
  return names;
}

// `up: media`, `up: [media, sts]` or `up: {stacks: [...], timeout: 2m}`.
template <typename T>
T parse_stack_step(const YAML::Node& value, const std::string& path, const fs::path& file, const std::string& kind) {
  T step;
  if (value.IsMap()) {
    Reader r(value, path, file);
    step.stacks = stack_names(r, "stacks", value);
    if constexpr (std::is_same_v<T, UpStep>) step.timeout = r.duration("timeout", step.timeout);
    r.finish();
  } else if (value.IsScalar() || value.IsSequence()) {
    YAML::Node wrapper;
    wrapper["stacks"] = value;
    Reader r(wrapper, path, file);
    step.stacks = stack_names(r, "stacks", value);
  } else {
    throw ScenarioError(fmt::format("{}:{}: {}: {} takes a stack name, a list of names, or {{stacks: [...]}}",
                                    file.string(), value.Mark().line + 1, path, kind));
  }
  return step;
}

// `wait: {log: TEXT | {fields: ...}, stack: media, service: media-service, timeout: 30s}` (log_wait.hpp).
WaitLogStep parse_wait_log(Reader& r) {
  WaitLogStep wait;
  if (r.get("log").IsMap()) {
    wait.fields = scenario_detail::parse_log_fields(r.get("log"), r.key_path("log"), r.file());
  } else {
    wait.pattern = r.string("log");
    if (const auto problem = log_pattern_problem(wait.pattern)) r.fail(r.get("log"), r.key_path("log"), *problem);
  }
  wait.stack = r.string("stack");
  if (!kStacks.contains(wait.stack)) {
    r.fail(r.get("stack"), r.key_path("stack"), fmt::format("unknown stack '{}' (use media or sts)", wait.stack));
  }
  wait.service = r.string_or("service", "");
  static const std::regex service_re("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  if (r.has("service") && !std::regex_match(wait.service, service_re)) {
    r.fail(r.get("service"), r.key_path("service"),
           fmt::format("'{}' is not a compose service name (e.g. media-service, mediamtx, sts-service)", wait.service));
  }
  wait.timeout = r.duration("timeout", wait.timeout);
  r.finish();
  return wait;
}

// `sts: {fixture: ..., fragment: 6s, concurrent: true, expect: {...}}` (StsDriveStep, sts_drive.hpp).
StsDriveStep parse_sts_step(const YAML::Node& value, const std::string& step_path, const fs::path& file) {
  Reader r(value, step_path, file);
  StsDriveStep sts;
  sts.url = r.string_or("url", sts.url);
  sts.fixture = r.string("fixture");
  sts.fragment = r.duration("fragment", sts.fragment);
  if (sts.fragment < std::chrono::milliseconds(100) || sts.fragment > std::chrono::seconds(30)) {
    r.fail(r.get("fragment"), r.key_path("fragment"), "must be between 100ms and 30s (the STS limit)");
  }
  if (r.has("concurrent")) sts.concurrent = r.boolean("concurrent", r.get("concurrent"));
  sts.sample_rate = r.integer("sample_rate", sts.sample_rate, 8000, 48000);
  static const std::set<int> kRates = {8000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (!kRates.contains(sts.sample_rate)) {
    r.fail(r.get("sample_rate"), r.key_path("sample_rate"),
           "use a rate STS accepts: 8000, 16000, 22050, 24000, 32000, 44100 or 48000");
  }
  sts.channels = r.integer("channels", sts.channels, 1, 2);
  sts.source_language = r.string_or("source_language", sts.source_language);
  sts.target_language = r.string_or("target_language", sts.target_language);
  sts.stream = r.string_or("stream", sts.stream);
  sts.timeout = r.duration("timeout", sts.timeout);
  if (r.has("expect")) {
    const auto en = r.get("expect");
    Reader e(en, r.key_path("expect"), file);
    auto& x = sts.expect;
    x.status = e.string_or("status", x.status);
    if (x.status != "success" && x.status != "partial" && x.status != "failed" && x.status != "any") {
      e.fail(e.get("status"), e.key_path("status"), "use success, partial, failed or any");
    }
    if (e.has("fragments")) x.fragments = e.integer("fragments", 0, 1, 100000);
    if (e.has("min_fragments")) x.min_fragments = e.integer("min_fragments", 0, 1, 100000);
    if (e.has("transcript_contains")) x.transcript_contains = e.string_list("transcript_contains");
    if (e.has("translation_contains")) x.translation_contains = e.string_list("translation_contains");
    x.reference = e.string_or("reference", "");
    if (e.has("max_wer")) x.max_wer = e.number("max_wer", e.get("max_wer"));
    if (e.has("min_translation_coverage")) {
      x.min_translation_coverage = e.number("min_translation_coverage", e.get("min_translation_coverage"));
    }
    if (e.has("dubbed")) x.dubbed = e.boolean("dubbed", e.get("dubbed"));
    if (e.has("no_speech")) x.no_speech = e.boolean("no_speech", e.get("no_speech"));
    if (e.has("min_inflight")) x.min_inflight = e.integer("min_inflight", 0, 1, 64);
    if (e.has("max_processing")) x.max_processing = e.duration("max_processing", Duration{0});
    e.finish();
    if ((x.max_wer || x.min_translation_coverage > 0) && x.reference.empty()) {
      e.fail(en, r.key_path("expect"), "max_wer and min_translation_coverage need a `reference:` sidecar");
    }
    if (x.no_speech && x.dubbed) {
      e.fail(en, r.key_path("expect"),
             "no_speech expects silence back, which is not a dub: add `dubbed: false` (silent input, silent output)");
    }
    if (x.no_speech && (!x.transcript_contains.empty() || !x.translation_contains.empty())) {
      e.fail(en, r.key_path("expect"), "no_speech contradicts transcript_contains / translation_contains");
    }
    if (x.min_inflight && *x.min_inflight > 1 && !sts.concurrent) {
      e.fail(e.get("min_inflight"), e.key_path("min_inflight"),
             "one fragment at a time never has more than 1 in flight: set `concurrent: true`");
    }
  }
  r.finish();
  return sts;
}

VerifyHeardStep parse_heard(const YAML::Node& node, const std::string& path, const fs::path& file) {
  Reader h(node, path, file);
  VerifyHeardStep v;
  v.media = h.string("media");
  v.language = h.string_or("language", v.language);
  if (h.has("min_confidence")) {
    v.min_confidence = h.number("min_confidence", h.get("min_confidence"));
    if (v.min_confidence < 0 || v.min_confidence > 1) {
      h.fail(h.get("min_confidence"), h.key_path("min_confidence"), "must be between 0 and 1");
    }
  }
  v.passthrough_language = h.string_or("passthrough_language", "");
  v.reference = h.string_or("reference", "");
  if (h.has("min_coverage")) v.min_coverage = h.number("min_coverage", h.get("min_coverage"));
  if (h.has("window")) v.window = h.duration("window", Duration{0});
  if (v.window && v.window->count() < 1000) h.fail(h.get("window"), h.key_path("window"), "must be at least 1s");
  v.media_service = h.string_or("media_service", v.media_service);
  v.stream = h.string_or("stream", v.stream);
  v.image = h.string_or("image", v.image);
  v.model = h.string_or("model", v.model);
  v.timeout = h.duration("timeout", v.timeout);
  h.finish();
  if (v.min_coverage > 0 && v.reference.empty()) h.fail(node, path, "min_coverage needs a `reference:` sidecar");
  return v;
}

Step parse_step(const YAML::Node& item, std::size_t index, const fs::path& file) {
  const std::string path = fmt::format("steps[{}]", index);
  Reader outer(item, path, file);
  std::optional<std::string> expect_error;  // `expect_error: TEXT` beside the step key
  if (item["expect_error"].IsDefined()) {
    expect_error = outer.has("expect_error") ? outer.scalar(outer.get("expect_error"), path + ".expect_error") : "";
    if (expect_error->empty()) {
      outer.fail(item["expect_error"], path + ".expect_error", "give the text the step's error message must contain");
    }
  }
  if (item.size() != (expect_error ? 2U : 1U))
    outer.fail(item, path,
               "each step is a mapping with exactly one key: up, down, publish, record, monitor, wait, verify, sts or "
               "fault (and optionally expect_error)");
  auto step_key = item.begin();
  if (step_key->first.Scalar() == "expect_error") ++step_key;
  const auto kind = step_key->first.Scalar();
  const YAML::Node value = step_key->second;
  const std::string step_path = path + "." + kind;
  Step step;
  step.kind = kind;
  step.line = item.Mark().line + 1;
  step.expect_error = expect_error;

  if (kind == "up") {
    step.action = parse_stack_step<UpStep>(value, step_path, file, kind);
  } else if (kind == "down") {
    step.action = parse_stack_step<DownStep>(value, step_path, file, kind);
  } else if (kind == "wait") {
    Reader r(value, step_path, file);
    if (r.has("publish") || r.has("record") || r.has("fault")) {
      WaitPublishStep wait;
      wait.what = r.has("publish") ? "publish" : r.has("record") ? "record" : "fault";
      if (r.string(wait.what) != "done") r.fail(r.get(wait.what), r.key_path(wait.what), "the only value is `done`");
      wait.timeout = r.duration("timeout", wait.timeout);
      r.finish();
      step.action = wait;
    } else if (r.has("fragments")) {
      WaitFragmentsStep wait;
      wait.count = r.integer("fragments", 1, 1, 100000);
      wait.stream = r.string_or("stream", wait.stream);
      wait.timeout = r.duration("timeout", wait.timeout);
      r.finish();
      step.action = wait;
    } else if (r.has("http")) {
      WaitHttpStep wait;
      wait.url = r.string("http");
      wait.status = r.integer("status", 200, 100, 599);
      wait.body_contains = r.string_or("body_contains", "");
      wait.timeout = r.duration("timeout", wait.timeout);
      r.finish();
      step.action = wait;
    } else if (r.has("log")) {
      step.action = parse_wait_log(r);
    } else {
      r.fail(value, step_path,
             "say what to wait for: `http: URL`, `publish: done`, `record: done`, `fault: done`, `fragments: N` or "
             "`log: TEXT`");
    }
  } else if (kind == "verify") {
    Reader r(value, step_path, file);
    if (r.has("worker")) {
      step.action = scenario_detail::parse_verify_worker(r.get("worker"), r.key_path("worker"), file);
      r.finish();
      return step;
    }
    if (r.has("fragments")) {
      const auto fn = r.get("fragments");
      Reader f(fn, r.key_path("fragments"), file);
      VerifyFragmentsStep v;
      v.stream = f.string_or("stream", v.stream);
      if (f.has("count")) v.count = f.integer("count", 0, 0, 100000);
      if (f.has("min_count")) v.min_count = f.integer("min_count", 0, 0, 100000);
      if (f.has("tail")) v.tail = f.duration("tail", Duration{0});
      if (v.tail && !v.count) f.fail(f.get("tail"), f.key_path("tail"), "goes with `count:` (the full fragments)");
      v.status = f.string_or("status", v.status);
      if (v.status != "success" && v.status != "partial" && v.status != "failed" && v.status != "any") {
        f.fail(f.get("status"), f.key_path("status"), "use success, partial, failed or any");
      }
      v.reference = f.string_or("reference", "");
      if (f.has("max_wer")) v.max_wer = f.number("max_wer", f.get("max_wer"));
      if (f.has("min_translation_coverage")) {
        v.min_translation_coverage = f.number("min_translation_coverage", f.get("min_translation_coverage"));
      }
      if (f.has("dubbed")) v.dubbed = f.boolean("dubbed", f.get("dubbed"));
      if (f.has("max_processing")) v.max_processing = f.duration("max_processing", Duration{0});
      f.finish();
      if ((v.max_wer || v.min_translation_coverage > 0) && v.reference.empty()) {
        f.fail(fn, r.key_path("fragments"), "max_wer and min_translation_coverage need a `reference:` sidecar");
      }
      r.finish();
      step.action = v;
      return step;
    }
    if (r.has("heard")) {
      step.action = parse_heard(r.get("heard"), r.key_path("heard"), file);
      r.finish();
      return step;
    }
    VerifyMediaStep verify;
    verify.source = r.string("media");
    if (r.has("expect")) {
      const auto en = r.get("expect");
      Reader e(en, r.key_path("expect"), file);
      auto& x = verify.expect;
      if (e.has("streams")) x.streams = e.integer("streams", 0, 0, 64);
      if (e.has("video_codec")) x.video_codec = e.string("video_codec");
      if (e.has("audio_codec")) x.audio_codec = e.string("audio_codec");
      if (e.has("audio_language")) x.audio_language = e.string("audio_language");
      if (e.has("has_audio")) x.has_audio = e.boolean("has_audio", e.get("has_audio"));
      if (e.has("sample_rate")) x.sample_rate = e.integer("sample_rate", 0, 1, 384000);
      if (e.has("duration_s")) x.duration_s = e.number("duration_s", e.get("duration_s"));
      if (e.has("max_drift_ms")) x.max_drift_ms = e.number("max_drift_ms", e.get("max_drift_ms"));
      x.unlike = e.string_or("unlike", "");
      if (e.has("max_similarity")) x.max_similarity = e.number("max_similarity", e.get("max_similarity"));
      if (e.has("duration_tolerance_s")) {
        x.duration_tolerance_s = e.number("duration_tolerance_s", e.get("duration_tolerance_s"));
      }
      if (e.has("loudness")) {
        x.loudness = scenario_detail::parse_loudness(e.get("loudness"), e.key_path("loudness"), file);
      }
      e.finish();
    } else {
      r.fail(value, step_path, "needs an `expect:` mapping (what the media must be)");
    }
    r.finish();
    step.action = verify;
  } else if (kind == "record") {
    Reader r(value, step_path, file);
    RecordStep record;
    record.from = r.string("from");
    record.to = r.string_or("to", record.to);
    if (fs::path(record.to).is_absolute() || record.to.find("..") != std::string::npos) {
      r.fail(r.get("to"), r.key_path("to"), "must be a file name inside the scenario's artifacts folder");
    }
    record.timeout = r.duration("timeout", record.timeout);
    record.idle_timeout = r.duration("idle_timeout", record.idle_timeout);
    r.finish();
    step.action = record;
  } else if (kind == "monitor") {
    Reader r(value, step_path, file);
    MonitorStep monitor;
    monitor.sts_url = r.string_or("sts", monitor.sts_url);
    r.finish();
    step.action = monitor;
  } else if (kind == "publish") {
    Reader r(value, step_path, file);
    PublishStep publish;
    publish.fixture = r.string("fixture");
    publish.to = r.string_or("to", publish.to);
    if (r.has("background")) publish.background = r.boolean("background", r.get("background"));
    if (r.has("realtime")) publish.realtime = r.boolean("realtime", r.get("realtime"));
    publish.stop_after = r.duration("stop_after", publish.stop_after);
    publish.wait_reader = r.duration("wait_reader", publish.wait_reader);
    publish.mediamtx_api = r.string_or("mediamtx_api", publish.mediamtx_api);
    r.finish();
    step.action = publish;
  } else if (kind == "sts") {
    step.action = parse_sts_step(value, step_path, file);
  } else if (kind == "fault") {
    step.action = scenario_detail::parse_fault(value, step_path, file);
  } else {
    outer.fail(
        item, path,
        fmt::format("unknown step '{}' (known: up, down, publish, record, monitor, wait, verify, sts, fault)", kind));
  }
  return step;
}

}  // namespace

Scenario parse_scenario(const std::string& yaml_text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull())
    throw ScenarioError(fmt::format("{}:1: the scenario is empty", file.string()));
  Reader r(root, "", file);
  Scenario s;
  s.file = file;
  s.name = r.string("name");
  static const std::regex name_re("[a-z0-9][a-z0-9_-]*");
  if (!std::regex_match(s.name, name_re)) {
    r.fail(r.get("name"), "name", "use lower-case letters, digits, '-' and '_' (it becomes part of stream names)");
  }
  s.description = r.string("description");
  if (r.has("tags")) s.tags = r.string_list("tags");
  s.timeout = r.duration("timeout", s.timeout);

  if (r.has("stacks")) {
    const auto stacks = r.get("stacks");
    if (!stacks.IsMap()) r.fail(stacks, "stacks", "must map stack names (media, sts) to their settings");
    for (const auto& kv : stacks) {
      const auto name = kv.first.Scalar();
      if (!kStacks.contains(name)) r.fail(kv.first, "stacks." + name, "unknown stack (use media or sts)");
      StackUse use;
      if (!kv.second.IsNull()) {
        Reader sr(kv.second, "stacks." + name, file);
        use.env = sr.env_map("env");
        if (sr.has("services")) use.services = sr.string_list("services");
        sr.finish();
      }
      s.stacks[name] = use;
    }
  }

  if (!r.has("steps")) r.fail(root, "steps", "is required (a list of up/down/publish/wait/verify steps)");
  const auto steps = r.get("steps");
  if (!steps.IsSequence() || steps.size() == 0) r.fail(steps, "steps", "must be a non-empty list");
  for (std::size_t i = 0; i < steps.size(); ++i) s.steps.push_back(parse_step(steps[i], i, file));
  r.finish();

  // Every stack a step names must be declared, so its settings are explicit.
  for (const auto& step : s.steps) {
    const std::vector<std::string>* names = nullptr;
    if (const auto* up = std::get_if<UpStep>(&step.action)) names = &up->stacks;
    if (const auto* down = std::get_if<DownStep>(&step.action)) names = &down->stacks;
    std::vector<std::string> log_stack;
    if (const auto* log = std::get_if<WaitLogStep>(&step.action)) {
      log_stack = {log->stack};
      names = &log_stack;
    }
    if (const auto* fault = std::get_if<FaultStep>(&step.action)) {
      log_stack = {fault->stack};
      names = &log_stack;
    }
    if (names == nullptr) continue;
    for (const auto& name : *names) {
      if (!s.stacks.contains(name)) {
        throw ScenarioError(fmt::format("{}:{}: steps: '{}' names stack '{}', which is not declared under `stacks:`",
                                        file.string(), step.line, step.kind, name));
      }
    }
  }
  return s;
}

Scenario load_scenario(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(fmt::format("{}: cannot read the scenario file (does it exist?)", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file);
}

std::vector<fs::path> scenario_files(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const auto& arg : args) {
    const fs::path p(arg);
    if (fs::is_directory(p)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(p)) {
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p)) {
      files.push_back(p);
    } else {
      throw ScenarioError(fmt::format("{}: no such scenario file or folder", arg));
    }
  }
  return files;
}

std::string expand(const std::string& text, const EnvMap& vars) {
  static const std::regex var_re(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), var_re);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out.append(text, last, static_cast<std::size_t>(m.position()) - last);
    const auto name = m[1].str();
    if (const auto found = vars.find(name); found != vars.end()) {
      out += found->second;
    } else if (const auto env = dub::env::get(name.c_str())) {
      out += *env;
    } else if (m[2].matched) {
      out += m[3].str();
    } else {
      throw dub::Error(
          fmt::format("'${{{}}}' in '{}' is not set and has no default (write ${{{}:-value}})", name, text, name));
    }
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  out.append(text, last);
  return out;
}

}  // namespace dubctl
