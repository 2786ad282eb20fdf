#pragma once
// Prometheus metrics: counters, gauges and histograms with labels, rendered in the
// text exposition format (version 0.0.4) that `GET /metrics` serves.
//
//   dub::metrics::Registry reg;
//   auto& sent = reg.counter("media_fragments_sent_total", "Fragments sent to STS", {"stream"});
//   sent.labels({"live-1"}).inc();
//   auto& rtt = reg.histogram("media_fragment_rtt_seconds", "Round trip", {"stream"}, {0.5, 1, 2, 5});
//   rtt.labels({"live-1"}).observe(1.3);
//   std::string text = reg.render();
//
// Every method is thread-safe. References returned by counter()/labels() stay valid for
// the registry's lifetime (unless the child is dropped with Family::remove()).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace dub::metrics {

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

class Counter {
 public:
  // Adds `v` (must be >= 0; negative values are ignored: counters only go up).
  void inc(double v = 1.0);
  [[nodiscard]] double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v); }
  void inc(double v = 1.0);
  void dec(double v = 1.0) { inc(-v); }
  // Keeps the largest value ever set through it (for "max so far" gauges).
  void set_max(double v);
  [[nodiscard]] double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> upper_bounds;       // without +Inf
    std::vector<std::uint64_t> cumulative;  // one per bound, then one for +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  [[nodiscard]] Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket (not cumulative), last = +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

enum class Type { Counter, Gauge, Histogram };

template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        buckets_(std::move(buckets)) {}

  // The child for these label values (created on first use). Throws dub::Error when
  // the number of values does not match the label names.
  Metric& labels(const LabelValues& values);
  // The child without labels (only for families declared without label names).
  Metric& get() { return labels({}); }
  // Drops one child (e.g. a finished stream's series). References to it become invalid.
  void remove(const LabelValues& values);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& help() const { return help_; }
  [[nodiscard]] const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls fn(values, metric) for every child, in label order, under the family lock.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : children_) fn(values, *metric);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// ---- template definitions ----

[[noreturn]] void throw_label_mismatch(const std::string& family, std::size_t expected, std::size_t got);

template <typename Metric>
Metric& Family<Metric>::labels(const LabelValues& values) {
  if (values.size() != label_names_.size()) throw_label_mismatch(name_, label_names_.size(), values.size());
  const std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    std::unique_ptr<Metric> metric;
    if constexpr (std::is_same_v<Metric, Histogram>) {
      metric = std::make_unique<Histogram>(buckets_);
    } else {
      metric = std::make_unique<Metric>();
    }
    it = children_.emplace(values, std::move(metric)).first;
  }
  return *it->second;
}

template <typename Metric>
void Family<Metric>::remove(const LabelValues& values) {
  const std::lock_guard lock(mutex_);
  children_.erase(values);
}

class Registry {
 public:
  // Registering the same name twice returns the existing family when the type and
  // label names agree, and throws dub::Error otherwise. Names must match
  // [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});
  // `buckets`: increasing upper bounds (+Inf is implicit). Empty = default_buckets().
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names = {}, std::vector<double> buckets = {});

  // Text exposition format 0.0.4, families in registration order.
  [[nodiscard]] std::string render() const;

  // The client libraries' defaults: 5 ms .. 10 s.
  static std::vector<double> default_buckets();
  // start, start*factor, ... (count values).
  static std::vector<double> exponential_buckets(double start, double factor, int count);

 private:
  struct Entry {
    Type type;
    std::string name;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  Entry* find(const std::string& name, Type type, const std::vector<std::string>& label_names);
  // Registers `family` in `slot` of a new entry, or returns the family already registered under its
  // name (throws dub::Error when that one has another type or labels).
  template <typename Metric>
  Family<Metric>& add(Type type, std::unique_ptr<Family<Metric>> Entry::*slot, std::unique_ptr<Family<Metric>> family);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Content-Type of render()'s output.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Formatting helpers (exposed for tests): a sample value as Prometheus writes it
// ("+Inf", "-Inf", "NaN", shortest round-trip decimal otherwise) and a label value escaped.
std::string format_value(double v);
std::string escape_label_value(const std::string& v);

}  // namespace dub::metrics
