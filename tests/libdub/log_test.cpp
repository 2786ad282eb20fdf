#include "dub/util/log.hpp"

#include <gtest/gtest.h>

#include "dub/util/error.hpp"

namespace {

TEST(Log, JsonLinesCarryComponentLevelAndFields) {
  dub::log::set_component("unit");
  dub::log::set_format(dub::log::Format::Json);
  const auto line =
      dub::log::render(dub::log::Level::Warn, "fragment timed out", {{"stream", "s1"}, {"sequence_number", 4}});
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["component"], "unit");
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["msg"], "fragment timed out");
  EXPECT_EQ(parsed["stream"], "s1");
  EXPECT_EQ(parsed["sequence_number"], 4);
  EXPECT_TRUE(parsed["ts"].get<std::string>().ends_with("Z"));
}

TEST(Log, InvalidUtf8DoesNotThrow) {
  dub::log::set_format(dub::log::Format::Json);
  EXPECT_NO_THROW(dub::log::render(dub::log::Level::Info, "bad \xff bytes", {}));
}

TEST(Log, ParseLevel) {
  EXPECT_EQ(dub::log::parse_level("DEBUG"), dub::log::Level::Debug);
  EXPECT_EQ(dub::log::parse_level("warning"), dub::log::Level::Warn);
  EXPECT_THROW(dub::log::parse_level("loud"), dub::Error);
}

}  // namespace
