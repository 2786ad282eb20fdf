#include "shard.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "dub/util/error.hpp"
#include "run_fixture.hpp"

namespace {

using dubctl::ShardSpec;

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(fmt::format("s{:02}", i));
  return out;
}

TEST(Shard, ParsesIOfNAndRefusesTheRest) {
  const auto s = dubctl::parse_shard("2/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  for (const char* bad : {"0/4", "5/4", "2", "2/0", "a/b", "1/1001", "-1/2", "1/2/3", ""}) {
    try {
      (void)dubctl::parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("use I/N"), std::string::npos) << e.what();
    }
  }
}

// Every scenario runs in exactly one shard, whatever the durations, and the split is the same when
// asked again (another runner).
TEST(Shard, EveryNameInExactlyOneShardTheSameOnEveryRunner) {
  const auto all = names(23);
  const std::map<std::string, double> durations = {{"s03", 90}, {"s07", 30}, {"s11", 200}, {"s19", 5}};
  for (int n = 1; n <= 6; ++n) {
    std::multiset<std::size_t> seen;
    for (int i = 1; i <= n; ++i) {
      const auto mine = dubctl::shard_members(all, durations, ShardSpec{i, n});
      EXPECT_EQ(mine, dubctl::shard_members(all, durations, ShardSpec{i, n}));
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));  // in the order given
      seen.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(seen.size(), all.size()) << n;
    EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), all.size()) << n;
  }
}

// Longest first to the least loaded: the shards' recorded times differ by at most the longest one,
// and a long scenario does not pile onto a shard that already has one.
TEST(Shard, BalancedByRecordedDurations) {
  const std::vector<std::string> all = {"a", "b", "c", "d", "e", "f"};
  const std::map<std::string, double> durations = {{"a", 100}, {"b", 90}, {"c", 50}, {"d", 40}, {"e", 10}, {"f", 5}};
  const auto weights = dubctl::shard_weights(all, durations);
  std::vector<double> load;
  for (int i = 1; i <= 2; ++i) {
    double sum = 0;
    for (const auto k : dubctl::shard_members(all, durations, ShardSpec{i, 2})) sum += weights[k];
    load.push_back(sum);
  }
  EXPECT_EQ(load, (std::vector<double>{150, 145}));  // a+d+e | b+c+f, not a+b | ...
  // Without durations each weighs the same: the counts differ by at most one.
  for (int i = 1; i <= 4; ++i) {
    const auto size = dubctl::shard_members(names(10), {}, ShardSpec{i, 4}).size();
    EXPECT_TRUE(size == 2 || size == 3) << size;
  }
}

TEST(Shard, AScenarioNotRecordedWeighsTheMedian) {
  const auto w = dubctl::shard_weights({"a", "b", "c", "new"}, {{"a", 10}, {"b", 30}, {"c", 20}});
  EXPECT_EQ(w, (std::vector<double>{10, 30, 20, 20}));
}

TEST(Shard, DurationsComeFromAnEarlierReportJson) {
  dub::test::TempProject project("shard", {"out"});
  project.write("out/report.json",
                R"({"scenarios": [{"name": "a", "duration_s": 12.5}, {"name": "b", "duration_s": null},
                    {"name": "a", "duration_s": 14.0}]})");
  const auto d = dubctl::recorded_durations(project.root() / "out/report.json");
  EXPECT_EQ(d, (std::map<std::string, double>{{"a", 14.0}}));
  project.write("out/bad.json", R"({"runs": []})");
  EXPECT_THROW((void)dubctl::recorded_durations(project.root() / "out/bad.json"), dub::Error);
  EXPECT_THROW((void)dubctl::recorded_durations(project.root() / "out/none.json"), dub::Error);
}

// End to end through the binary (no Docker: each scenario is skipped for its missing fixture, which
// needs no stack): the shards of a run hold every scenario once, and junit.xml names the shard.
TEST(Shard, TheBinaryRunsOnlyItsShard) {
  dub::test::TempProject project("shard-run");
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    project.write(fmt::format("scenarios/{}.yaml", name),
                  fmt::format("name: {}\ndescription: d\nsteps:\n  - publish: {{fixture: not-there.mp4}}\n", name));
  }
  std::multiset<std::string> cases;
  for (int i = 1; i <= 2; ++i) {
    const auto r = project.run(fmt::format("scenarios/ --shard {}/2", i));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.err.find(fmt::format("shard {}/2: ", i)), std::string::npos) << r.err;
    EXPECT_NE(r.junit.find(fmt::format(R"(<property name="shard" value="{}/2"/>)", i)), std::string::npos) << r.junit;
    for (const char* name : {"a", "b", "c", "d", "e"}) {
      if (r.junit.find(fmt::format(R"(<testcase name="{}")", name)) != std::string::npos) cases.insert(name);
    }
  }
  EXPECT_EQ(cases, (std::multiset<std::string>{"a", "b", "c", "d", "e"}));
  const auto bad = project.run("scenarios/ --shard 3/2");
  EXPECT_EQ(bad.status, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--shard '3/2': use I/N"), std::string::npos) << bad.err;
}

}  // namespace
