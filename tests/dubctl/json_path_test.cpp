// The paths a step's `vars:` read from its result (json_path.hpp): $ paths, JSON Pointers, and the
// messages that say where a path leaves the document.
#include "json_path.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dub/util/error.hpp"

namespace {

using dubctl::JsonPath;
using nlohmann::json;

const json kDoc = json::parse(R"({
  "state": "completed",
  "fragments": [{"sequence_number": 0, "latency_ms": 812}, {"sequence_number": 1, "latency_ms": 905.5}],
  "output_stats": {"fragments_dubbed": 5},
  "a/b": {"x~y": true},
  "with space": "yes",
  "error": null
})");

// The message find() throws, or "" when the path is there.
std::string miss(const std::string& path) {
  try {
    (void)JsonPath(path).find(kDoc);
  } catch (const dub::Error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonPath, DollarPathsReadMembersAndItems) {
  EXPECT_EQ(JsonPath("$").find(kDoc), kDoc);
  EXPECT_EQ(JsonPath("$.state").find(kDoc), "completed");
  EXPECT_EQ(JsonPath("$.fragments[0].latency_ms").find(kDoc), 812);
  EXPECT_EQ(JsonPath("$.fragments[1].latency_ms").find(kDoc), 905.5);
  EXPECT_EQ(JsonPath("$.fragments[-1].sequence_number").find(kDoc), 1);  // from the end
  EXPECT_EQ(JsonPath("$.fragments[-2].sequence_number").find(kDoc), 0);
  EXPECT_EQ(JsonPath("$.output_stats.fragments_dubbed").find(kDoc), 5);
  EXPECT_EQ(JsonPath("$['with space']").find(kDoc), "yes");
  EXPECT_EQ(JsonPath(R"($["a/b"]['x~y'])").find(kDoc), true);
  EXPECT_TRUE(JsonPath("$.error").find(kDoc).is_null());
}

TEST(JsonPath, PointersFollowRfc6901) {
  EXPECT_EQ(JsonPath("/state").find(kDoc), "completed");
  EXPECT_EQ(JsonPath("/fragments/1/latency_ms").find(kDoc), 905.5);
  EXPECT_EQ(JsonPath("/a~1b/x~0y").find(kDoc), true);  // ~1 is '/', ~0 is '~'
  EXPECT_NE(miss("/fragments/01").find("/fragments is array, not an object: it has no '01'"), std::string::npos)
      << miss("/fragments/01");  // a leading 0 is not an index
  EXPECT_NE(miss("/fragments/2").find("/fragments has 2 item(s): no [2]"), std::string::npos) << miss("/fragments/2");
}

TEST(JsonPath, AMissTellsWhereAndWhatIsThere) {
  const auto key = miss("$.fragments[0].round_trip_ms");
  EXPECT_NE(key.find("$.fragments[0] has no 'round_trip_ms' (it has: latency_ms, sequence_number)"), std::string::npos)
      << key;
  EXPECT_NE(miss("$.stat").find("$ has no 'stat'; did you mean state?"), std::string::npos) << miss("$.stat");
  EXPECT_NE(miss("$.fragments[2]").find("$.fragments has 2 item(s): no [2]"), std::string::npos);
  EXPECT_NE(miss("$.fragments[-3]").find("no [-3]"), std::string::npos);
  EXPECT_NE(miss("$.state.x").find("$.state is string, not an object: it has no 'x'"), std::string::npos)
      << miss("$.state.x");
  EXPECT_NE(miss("$.output_stats[0]").find("$.output_stats is object, not an array: it has no [0]"), std::string::npos)
      << miss("$.output_stats[0]");
  EXPECT_NE(miss("$.error.x").find("$.error is null, not an object"), std::string::npos) << miss("$.error.x");
  EXPECT_EQ(miss("$.state"), "");
}

TEST(JsonPath, MalformedPathsAreRefusedNamingThePosition) {
  const auto problem = [](const std::string& path) { return dubctl::json_path_problem(path).value_or(""); };
  EXPECT_NE(problem("state").find("at character 1, starts with $ (a JSONPath) or / (a JSON Pointer)"),
            std::string::npos)
      << problem("state");
  EXPECT_NE(problem("$.").find("at character 3, expected a name after '.'"), std::string::npos) << problem("$.");
  EXPECT_NE(problem("$.a[x]").find("at character 5, expected an index"), std::string::npos) << problem("$.a[x]");
  EXPECT_NE(problem("$.a[0").find("'[' without its ']'"), std::string::npos) << problem("$.a[0");
  EXPECT_NE(problem("$['a]").find("an unclosed quote"), std::string::npos) << problem("$['a]");
  EXPECT_NE(problem("$.a..b").find("expected a name after '.'"), std::string::npos);
  EXPECT_NE(problem("$.a[*]").find("expected an index"), std::string::npos);  // no wildcards
  EXPECT_NE(problem("$a").find("expected .name or [...]"), std::string::npos) << problem("$a");
  EXPECT_NE(problem("/a~2").find("'~' is neither ~0 nor ~1"), std::string::npos) << problem("/a~2");
  EXPECT_NE(problem("$.a[1234567890]").find("expected an index"), std::string::npos);  // too long to be one
  for (const auto* fine : {"$", "$.a_b-c", "$.a[0][-1]['x']", "/", "/a/0", "$.A9"}) {
    EXPECT_EQ(problem(fine), "") << fine;
  }
}

TEST(JsonPath, ValuesAsVariableText) {
  EXPECT_EQ(dubctl::json_text(json("text")), "text");
  EXPECT_EQ(dubctl::json_text(json(812)), "812");
  EXPECT_EQ(dubctl::json_text(json(905.5)), "905.5");
  EXPECT_EQ(dubctl::json_text(json(true)), "true");
  EXPECT_EQ(dubctl::json_text(json::parse(R"({"a":[1,2]})")), R"({"a":[1,2]})");
}

}  // namespace
