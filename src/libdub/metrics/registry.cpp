#include "dub/metrics/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>

#include "dub/util/error.hpp"

namespace dub::metrics {

namespace {

void atomic_add(std::atomic<double>& target, double v) {
  double current = target.load();
  while (!target.compare_exchange_weak(current, current + v)) {
  }
}

bool valid_metric_name(const std::string& name) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(name, re);
}

bool valid_label_name(const std::string& name) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(name, re) && !name.starts_with("__");
}

std::string escape_help(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} plus optional extra label (histogram "le"); empty string when no labels.
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      const std::string& extra_name = {}, const std::string& extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}=\"{}\"", names[i], escape_label_value(values[i]));
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += fmt::format("{}=\"{}\"", extra_name, escape_label_value(extra_value));
  }
  out += '}';
  return out;
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::Counter:
      return "counter";
    case Type::Gauge:
      return "gauge";
    case Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

void validate(const std::string& name, const std::vector<std::string>& label_names, bool histogram) {
  if (!valid_metric_name(name)) throw Error(fmt::format("invalid metric name '{}'", name));
  for (const auto& l : label_names) {
    if (!valid_label_name(l)) throw Error(fmt::format("metric {}: invalid label name '{}'", name, l));
    if (histogram && l == "le") throw Error(fmt::format("histogram {}: label name 'le' is reserved", name));
  }
}

}  // namespace

void throw_label_mismatch(const std::string& family, std::size_t expected, std::size_t got) {
  throw Error(fmt::format("metric {}: {} label values given, {} expected", family, got, expected));
}

void Counter::inc(double v) {
  if (!(v >= 0)) return;
  atomic_add(value_, v);
}

void Gauge::inc(double v) {
  atomic_add(value_, v);
}

void Gauge::set_max(double v) {
  double current = value_.load();
  while (v > current && !value_.compare_exchange_weak(current, v)) {
  }
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  if (bounds_.empty()) bounds_ = Registry::default_buckets();
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw Error("histogram buckets must be strictly increasing");
  }
  if (std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::observe(double v) {
  const std::lock_guard lock(mutex_);
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v: v <= le
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  const std::lock_guard lock(mutex_);
  Snapshot s;
  s.upper_bounds = bounds_;
  s.cumulative.reserve(counts_.size());
  std::uint64_t running = 0;
  for (const auto c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

Registry::Entry* Registry::find(const std::string& name, Type type, const std::vector<std::string>& label_names) {
  for (auto& e : entries_) {
    if (e->name != name) continue;
    const std::vector<std::string>* existing = nullptr;
    if (e->counter) existing = &e->counter->label_names();
    if (e->gauge) existing = &e->gauge->label_names();
    if (e->histogram) existing = &e->histogram->label_names();
    if (e->type != type || existing == nullptr || *existing != label_names) {
      throw Error(fmt::format("metric {} already registered with another type or labels", name));
    }
    return e.get();
  }
  return nullptr;
}

template <typename Metric>
Family<Metric>& Registry::add(Type type, std::unique_ptr<Family<Metric>> Entry::*slot,
                              std::unique_ptr<Family<Metric>> family) {
  const std::lock_guard lock(mutex_);
  if (auto* e = find(family->name(), type, family->label_names())) return *(e->*slot);
  auto e = std::make_unique<Entry>();
  e->type = type;
  e->name = family->name();
  auto& registered = (*e).*slot;
  registered = std::move(family);
  entries_.push_back(std::move(e));
  return *registered;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& label_names) {
  validate(name, label_names, false);
  return add(Type::Counter, &Entry::counter, std::make_unique<CounterFamily>(name, help, label_names));
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names) {
  validate(name, label_names, false);
  return add(Type::Gauge, &Entry::gauge, std::make_unique<GaugeFamily>(name, help, label_names));
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     const std::vector<std::string>& label_names, std::vector<double> buckets) {
  validate(name, label_names, true);
  if (buckets.empty()) buckets = default_buckets();
  Histogram check(buckets);  // validates the bounds before anything is registered
  return add(Type::Histogram, &Entry::histogram,
             std::make_unique<HistogramFamily>(name, help, label_names, std::move(buckets)));
}

std::string Registry::render() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& e : entries_) {
    const std::string* help = nullptr;
    if (e->counter) help = &e->counter->help();
    if (e->gauge) help = &e->gauge->help();
    if (e->histogram) help = &e->histogram->help();
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", e->name, escape_help(help != nullptr ? *help : std::string{}),
                       e->name, type_name(e->type));
    if (e->counter) {
      const auto& names = e->counter->label_names();
      e->counter->for_each([&](const LabelValues& values, const Counter& c) {
        out += fmt::format("{}{} {}\n", e->name, label_set(names, values), format_value(c.value()));
      });
    } else if (e->gauge) {
      const auto& names = e->gauge->label_names();
      e->gauge->for_each([&](const LabelValues& values, const Gauge& g) {
        out += fmt::format("{}{} {}\n", e->name, label_set(names, values), format_value(g.value()));
      });
    } else if (e->histogram) {
      const auto& names = e->histogram->label_names();
      e->histogram->for_each([&](const LabelValues& values, const Histogram& h) {
        const auto snap = h.snapshot();
        for (std::size_t i = 0; i < snap.upper_bounds.size(); ++i) {
          out += fmt::format("{}_bucket{} {}\n", e->name,
                             label_set(names, values, "le", format_value(snap.upper_bounds[i])), snap.cumulative[i]);
        }
        out += fmt::format("{}_bucket{} {}\n", e->name, label_set(names, values, "le", "+Inf"), snap.count);
        out += fmt::format("{}_sum{} {}\n", e->name, label_set(names, values), format_value(snap.sum));
        out += fmt::format("{}_count{} {}\n", e->name, label_set(names, values), snap.count);
      });
    }
  }
  return out;
}

std::vector<double> Registry::default_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> Registry::exponential_buckets(double start, double factor, int count) {
  if (start <= 0 || factor <= 1 || count < 1)
    throw Error("exponential_buckets needs start > 0, factor > 1, count >= 1");
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(count));
  double v = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(v);
    v *= factor;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace dub::metrics
