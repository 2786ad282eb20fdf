#include "dub/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "dub/util/error.hpp"

namespace {

using dub::metrics::Registry;

TEST(Metrics, CounterWithLabelsRendersHelpTypeAndSamples) {
  Registry reg;
  auto& sent = reg.counter("media_fragments_sent_total", "Fragments sent to STS", {"stream"});
  sent.labels({"live-1"}).inc();
  sent.labels({"live-1"}).inc(2);
  sent.labels({"a\"b\\c\nd"}).inc();
  const auto text = reg.render();
  EXPECT_NE(text.find("# HELP media_fragments_sent_total Fragments sent to STS\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE media_fragments_sent_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("media_fragments_sent_total{stream=\"live-1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("media_fragments_sent_total{stream=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, CountersNeverGoDown) {
  Registry reg;
  auto& c = reg.counter("x_total", "x").get();
  c.inc(5);
  c.inc(-3);
  EXPECT_DOUBLE_EQ(c.value(), 5);
}

TEST(Metrics, GaugeWithoutLabels) {
  Registry reg;
  auto& g = reg.gauge("media_active_workers", "Workers running").get();
  g.inc();
  g.inc();
  g.dec();
  EXPECT_NE(reg.render().find("media_active_workers 1\n"), std::string::npos) << reg.render();
  g.set(0.25);
  EXPECT_NE(reg.render().find("media_active_workers 0.25\n"), std::string::npos);
  g.set_max(0.1);
  EXPECT_DOUBLE_EQ(g.value(), 0.25);
  g.set_max(0.5);
  EXPECT_DOUBLE_EQ(g.value(), 0.5);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumCount) {
  Registry reg;
  auto& h = reg.histogram("rtt_seconds", "Round trip", {"stream"}, {0.5, 1, 2});
  auto& s = h.labels({"s"});
  s.observe(0.5);  // le=0.5 includes the bound itself
  s.observe(0.7);
  s.observe(1.5);
  s.observe(9);
  const auto text = reg.render();
  EXPECT_NE(text.find("# TYPE rtt_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("rtt_seconds_bucket{stream=\"s\",le=\"0.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rtt_seconds_bucket{stream=\"s\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rtt_seconds_bucket{stream=\"s\",le=\"2\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rtt_seconds_bucket{stream=\"s\",le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rtt_seconds_sum{stream=\"s\"} 11.7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rtt_seconds_count{stream=\"s\"} 4\n"), std::string::npos) << text;
}

TEST(Metrics, RegistrationIsIdempotentButTypeChecked) {
  Registry reg;
  auto& a = reg.counter("c_total", "c", {"x"});
  auto& b = reg.counter("c_total", "c", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(reg.gauge("c_total", "c", {"x"}), dub::Error);
  EXPECT_THROW(reg.counter("c_total", "c", {"y"}), dub::Error);
  EXPECT_THROW(reg.counter("bad name", "c"), dub::Error);
  EXPECT_THROW(reg.histogram("h", "h", {"le"}), dub::Error);
  EXPECT_THROW(reg.histogram("h2", "h", {}, {2, 1}), dub::Error);
  EXPECT_THROW(a.labels({}), dub::Error);
}

TEST(Metrics, FormatValue) {
  EXPECT_EQ(dub::metrics::format_value(1.0), "1");
  EXPECT_EQ(dub::metrics::format_value(0.005), "0.005");
  EXPECT_EQ(dub::metrics::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(dub::metrics::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(dub::metrics::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry reg;
  auto& fam = reg.counter("n_total", "n", {"t"});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&fam] {
      for (int i = 0; i < 10000; ++i) fam.labels({"x"}).inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(fam.labels({"x"}).value(), 40000);
}

TEST(Metrics, ExponentialBuckets) {
  const auto b = Registry::exponential_buckets(0.25, 2, 4);
  ASSERT_EQ(b.size(), 4U);
  EXPECT_DOUBLE_EQ(b[3], 2.0);
}

}  // namespace
