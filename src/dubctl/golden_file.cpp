// A golden descriptor as a YAML file (golden.hpp): written by hand here (numbers as golden_number
// writes them, texts quoted only when YAML needs it) and read back strictly.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "dub/util/error.hpp"
#include "golden.hpp"
#include "scenario_reader.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::ProblemSink;
using scenario_detail::Reader;

constexpr const char* kHeader =
    "# Golden media descriptor (man dubctl, GOLDEN FILES): `verify: {media: ..., golden: <this file>}`\n"
    "# fails on every field the media does not match. A plain value must match exactly; {value: V,\n"
    "# tolerance: T} within +-T; a field left out is not checked. `dubctl run --update-golden` rewrites\n"
    "# the values, keeping the tolerances and the fields left out (not these comments).\n";

struct Key {
  const char* name;
  bool text;
};

// Every key a section may have, in the order they are read (and written by describe_golden).
constexpr Key kMediaKeys[] = {{"container", true}, {"duration", false}, {"start_time", false}};
constexpr Key kStreamKeys[] = {
    {"type", true},        {"codec", true},       {"profile", true},       {"language", true},     {"width", false},
    {"height", false},     {"frame_rate", false}, {"has_b_frames", false}, {"sample_rate", false}, {"channels", false},
    {"start_time", false}, {"duration", false},   {"packets", false}};

std::string yaml_text(const std::string& text) {
  YAML::Emitter out;
  out << text;
  return out.c_str();
}

std::string field_line(const GoldenField& f) {
  if (f.text) return fmt::format("{}: {}", f.name, yaml_text(*f.text));
  if (!f.tolerance) return fmt::format("{}: {}", f.name, golden_number(f.value));
  return fmt::format("{}: {{value: {}, tolerance: {}}}", f.name, golden_number(f.value), golden_number(*f.tolerance));
}

// `{value: V, tolerance: T}` or a plain number (exact).
void read_number(Reader& r, const YAML::Node& node, GoldenField& field) {
  if (!node.IsMap()) {
    field.value = r.number(field.name, node);
    return;
  }
  Reader m(node, r.key_path(field.name), r.file());
  if (m.has("value")) {
    field.value = m.number("value", m.get("value"));
  } else {
    m.report(node, m.key_path("value"), "is required beside tolerance");
  }
  if (m.has("tolerance")) {
    const double tolerance = m.number("tolerance", m.get("tolerance"));
    if (tolerance < 0) m.report(m.get("tolerance"), m.key_path("tolerance"), "must be 0 or more");
    field.tolerance = tolerance;
  }
  m.finish();
}

template <std::size_t N>
GoldenSection read_section(Reader& r, const Key (&keys)[N]) {
  GoldenSection section;
  for (const auto& key : keys) {
    if (!r.has(key.name)) continue;
    GoldenField field{.name = key.name};
    const auto node = r.get(key.name);
    if (key.text) {
      field.text = r.scalar(node, r.key_path(key.name));
    } else {
      read_number(r, node, field);
    }
    section.fields.push_back(std::move(field));
  }
  return section;
}

void read_streams(Reader& r, const fs::path& file, Golden& golden) {
  if (!r.has("streams")) {
    r.report(r.node(), "streams", "is required: a list with a mapping per stream");
    return;
  }
  const auto list = r.get("streams");
  if (!list.IsSequence()) {
    r.report(list, "streams", "must be a list with a mapping per stream");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      Reader s(list[i], fmt::format("streams[{}]", i), file);
      golden.streams.push_back(read_section(s, kStreamKeys));
      s.finish();
    } catch (const ScenarioError& e) {
      ProblemSink::active()->add(e);
    }
  }
}

YAML::Node parse_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw dub::Error(
        fmt::format("golden file {} not found: write it with `dubctl probe MEDIA --write-golden {}` "
                    "or `dubctl run SCENARIO --update-golden`",
                    file.string(), file.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto root = YAML::Load(text.str());
    if (!root.IsMap())
      throw ScenarioError(fmt::format("{}:1: a golden file is a mapping (container, streams, ...)", file.string()));
    return root;
  } catch (const YAML::Exception& e) {
    throw ScenarioError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
}

}  // namespace

std::string golden_yaml(const Golden& golden) {
  std::string out = kHeader;
  for (const auto& f : golden.media.fields) out += field_line(f) + "\n";
  out += golden.streams.empty() ? "streams: []\n" : "streams:\n";
  for (const auto& s : golden.streams) {
    for (std::size_t i = 0; i < s.fields.size(); ++i)
      out += (i == 0 ? "  - " : "    ") + field_line(s.fields[i]) + "\n";
  }
  return out;
}

Golden load_golden(const fs::path& file) {
  const auto root = parse_file(file);
  ProblemSink sink(file);
  Golden golden;
  try {
    Reader r(root, "", file);
    golden.media = read_section(r, kMediaKeys);
    read_streams(r, file, golden);
    r.finish();
  } catch (const ScenarioError& e) {
    sink.add(e);
  }
  sink.throw_if_any();
  return golden;
}

void write_golden(const fs::path& file, const Golden& golden) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  const auto temporary = fs::path(file.string() + ".tmp");
  {
    std::ofstream out(temporary);
    out << golden_yaml(golden);
    if (!out.flush()) throw dub::Error(fmt::format("cannot write {}", temporary.string()));
  }
  fs::rename(temporary, file);
}

GoldenOutcome check_golden(const fs::path& file, const std::string& label, const dub::media::MediaInfo& info,
                           bool update) {
  const auto fresh = describe_golden(info);
  GoldenOutcome outcome;
  if (!update) {
    for (const auto& problem : compare_golden(load_golden(file), fresh)) {
      outcome.problems.push_back("golden " + problem);
    }
    outcome.note = fmt::format("matches golden {}", label);
    return outcome;
  }
  std::vector<std::string> changes;
  const auto updated = fs::exists(file) ? update_golden(load_golden(file), fresh, changes) : fresh;
  if (!fs::exists(file)) changes.emplace_back("new file, default tolerances");
  write_golden(file, updated);
  outcome.note = changes.empty() ? fmt::format("golden {} rewritten, unchanged", label)
                                 : fmt::format("golden {} rewritten: {}", label, fmt::join(changes, "; "));
  return outcome;
}

}  // namespace dubctl
