// libFuzzer target: dubctl's scenario parser (scenario.hpp parse_scenario) on arbitrary bytes as
// the text of a scenario file.
//
// Contract (scenario.hpp, issue 13): a rejected scenario is a ScenarioError whose message names
// "file:line:" first, never another exception type and never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "scenario.hpp"

namespace {

constexpr std::string_view kFile = "fuzz.yaml";

// "fuzz.yaml:<digits>: ..." or "fuzz.yaml:<digits>:<digits>: ..."
bool names_file_and_line(std::string_view message) {
  if (message.substr(0, kFile.size()) != kFile || message.size() <= kFile.size() + 1) return false;
  if (message[kFile.size()] != ':') return false;
  std::size_t i = kFile.size() + 1;
  const std::size_t digits = i;
  while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
  return i > digits && i < message.size() && message[i] == ':';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NOLINT: libFuzzer's bytes
  try {
    (void)dubctl::parse_scenario(text, std::string(kFile));
  } catch (const dubctl::ScenarioError& e) {
    if (!names_file_and_line(e.what()))
      dub::fuzz::finding("parse_scenario", "ScenarioError without file:line", e.what());
  } catch (const std::exception& e) {
    dub::fuzz::finding("parse_scenario", typeid(e).name(), e.what());
  }
  return 0;
}
