// The SVG plots of report.html: waveforms, per-fragment latency, A/V drift, fingerprint similarity.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "report.hpp"

namespace dubctl::report {

namespace {

// ---- SVG building blocks -------------------------------------------------------------------

constexpr double kWidth = 1100;
constexpr const char* kOriginalColour = "#4c78a8";
constexpr const char* kDubbedColour = "#e45756";

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  return fmt::format("{:.1f}", v);
}

// Maps data coordinates into a plot rectangle.
struct Frame {
  double left = 0, top = 0, width = 0, height = 0;
  double xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  [[nodiscard]] double px(double x) const { return left + (xmax > xmin ? (x - xmin) / (xmax - xmin) : 0.0) * width; }
  [[nodiscard]] double py(double y) const {
    return top + height - (ymax > ymin ? (y - ymin) / (ymax - ymin) : 0.0) * height;
  }
  [[nodiscard]] double right() const { return left + width; }
  [[nodiscard]] double bottom() const { return top + height; }
};

// About `target` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int target = 8) {
  std::vector<double> out;
  if (!(hi > lo) || target < 1) return out;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

std::string tick_label(double v, double step) {
  if (step >= 1 || step == 0) return fmt::format("{:.0f}", v);
  if (step >= 0.1) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string svg_open(const std::string& id, double height, const std::string& label) {
  return fmt::format(
      "<svg id=\"{}\" class=\"plot\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      html_escape(id), num(kWidth), num(height), html_escape(label));
}

std::string text(double x, double y, const std::string& content, const std::string& cls = "",
                 const std::string& anchor = "start") {
  return fmt::format("<text x=\"{}\" y=\"{}\"{} text-anchor=\"{}\">{}</text>\n", num(x), num(y),
                     cls.empty() ? "" : fmt::format(" class=\"{}\"", cls), anchor, html_escape(content));
}

std::string line(double x1, double y1, double x2, double y2, const std::string& cls) {
  return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{}\"/>\n", num(x1), num(y1), num(x2),
                     num(y2), cls);
}

std::string rect(double x, double y, double w, double h, const std::string& attrs) {
  return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}/>\n", num(x), num(y), num(std::max(0.0, w)),
                     num(std::max(0.0, h)), attrs);
}

std::string polyline(const Frame& f, const std::vector<Point>& pts, const std::string& cls) {
  std::string d;
  for (const auto& p : pts) d += fmt::format("{},{} ", num(f.px(p.x)), num(f.py(p.y)));
  return fmt::format("<polyline class=\"{}\" points=\"{}\"/>\n", cls, d);
}

// Horizontal grid lines with labels on the left, vertical ticks with labels below.
std::string axes(const Frame& f, const std::string& x_title, const std::string& y_title, int y_ticks = 5) {
  std::string out;
  const auto ys = ticks(f.ymin, f.ymax, y_ticks);
  const double ystep = ys.size() > 1 ? ys[1] - ys[0] : 1;
  for (const double y : ys) {
    out += line(f.left, f.py(y), f.right(), f.py(y), "grid");
    out += text(f.left - 8, f.py(y) + 4, tick_label(y, ystep), "tick", "end");
  }
  const auto xs = ticks(f.xmin, f.xmax, 12);
  const double xstep = xs.size() > 1 ? xs[1] - xs[0] : 1;
  for (const double x : xs) {
    out += line(f.px(x), f.bottom(), f.px(x), f.bottom() + 5, "axis");
    out += text(f.px(x), f.bottom() + 18, tick_label(x, xstep), "tick", "middle");
  }
  out += line(f.left, f.bottom(), f.right(), f.bottom(), "axis");
  if (!x_title.empty()) out += text(f.right(), f.bottom() + 34, x_title, "axis-title", "end");
  if (!y_title.empty()) {
    out += fmt::format(
        "<text class=\"axis-title\" transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
        num(f.left - 52), num(f.top + f.height / 2), html_escape(y_title));
  }
  return out;
}

double total_ms(const FragmentRow& f) {
  if (f.roundtrip_ms) return *f.roundtrip_ms;
  return f.processing_ms.value_or(0) + f.queue_ms.value_or(0);
}

}  // namespace

std::string svg_waveform(const std::string& id, const ScenarioReport& s) {
  if (!s.original_wave && !s.dubbed_wave) return {};
  constexpr double kLaneH = 92;
  constexpr double kGap = 14;
  constexpr double kTop = 24;
  double xmin = std::numeric_limits<double>::max();
  double xmax = std::numeric_limits<double>::lowest();
  for (const auto* w : {&s.original_wave, &s.dubbed_wave}) {
    if (!*w || (*w)->min.empty()) continue;
    xmin = std::min(xmin, (*w)->start_s);
    xmax = std::max(xmax, (*w)->end_s());
  }
  for (const auto& f : s.fragments) {
    xmin = std::min(xmin, f.start_s);
    xmax = std::max(xmax, f.end_s);
  }
  if (!(xmax > xmin)) return {};
  xmin = std::min(xmin, 0.0);
  const double height = kTop + 2 * kLaneH + kGap + 44;
  Frame all{120, kTop, kWidth - 140, 2 * kLaneH + kGap, xmin, xmax, 0, 1};
  std::string out = svg_open(id, height, "waveforms of the original and the dubbed audio");
  // Fragment bands behind both lanes.
  for (std::size_t i = 0; i < s.fragments.size(); ++i) {
    const auto& f = s.fragments[i];
    const bool pass = outcome_of(f) != "dubbed";
    const char* fill = pass ? "#ffe0b2" : (i % 2 == 0 ? "#eef2f7" : "#f8f9fb");
    out += rect(all.px(f.start_s), all.top, all.px(f.end_s) - all.px(f.start_s), all.height,
                fmt::format("fill=\"{}\"", fill));
    out += line(all.px(f.start_s), all.top - 4, all.px(f.start_s), all.bottom(), "ref");
    if (all.px(f.end_s) - all.px(f.start_s) > 24) {
      out += text((all.px(f.start_s) + all.px(f.end_s)) / 2, all.top - 8, fmt::format("#{}", f.sequence_number),
                  "label", "middle");
    }
  }
  const auto lane = [&](const std::optional<Envelope>& w, double top, const std::string& name, const char* colour) {
    std::string part;
    Frame f{all.left, top, all.width, kLaneH, xmin, xmax, -1, 1};
    part += text(f.left - 12, top + kLaneH / 2 - 2, name, "lane", "end");
    part += line(f.left, f.py(0), f.right(), f.py(0), "grid");
    if (!w || w->min.empty()) {
      part += text(f.left + 10, f.py(0) - 6, "not available", "label");
      return part;
    }
    float peak = 0.05F;
    for (std::size_t i = 0; i < w->min.size(); ++i) peak = std::max({peak, -w->min[i], w->max[i]});
    part += text(f.left - 12, top + kLaneH / 2 + 14, fmt::format("peak {:.2f}", peak), "label", "end");
    std::string d;
    for (std::size_t i = 0; i < w->max.size(); ++i) {
      const double x = w->start_s + (static_cast<double>(i) + 0.5) * w->step_s;
      d += fmt::format("{}{},{} ", i == 0 ? "M" : "L", num(f.px(x)), num(f.py(w->max[i] / peak)));
    }
    for (std::size_t i = w->min.size(); i-- > 0;) {
      const double x = w->start_s + (static_cast<double>(i) + 0.5) * w->step_s;
      d += fmt::format("L{},{} ", num(f.px(x)), num(f.py(w->min[i] / peak)));
    }
    part += fmt::format("<path d=\"{}Z\" fill=\"{}\" stroke=\"{}\" stroke-width=\"0.6\"/>\n", d, colour, colour);
    return part;
  };
  out += lane(s.original_wave, kTop, "Original (en)", kOriginalColour);
  out += lane(s.dubbed_wave, kTop + kLaneH + kGap, "Dubbed (es)", kDubbedColour);
  Frame axis = all;
  out += axes(Frame{axis.left, axis.top, axis.width, axis.height, xmin, xmax, 0, 0}, "time (s)", "", 0);
  out += "</svg>\n";
  return out;
}

std::string svg_latency(const std::string& id, const std::vector<FragmentRow>& fragments) {
  if (fragments.empty()) return {};
  const bool any =
      std::any_of(fragments.begin(), fragments.end(), [](const FragmentRow& f) { return total_ms(f) > 0; });
  if (!any) return {};
  double top_s = kLatencyBudgetS;
  for (const auto& f : fragments) top_s = std::max(top_s, total_ms(f) / 1000.0);
  const double height = 300;
  Frame f{80, 40, kWidth - 110, height - 90, 0, static_cast<double>(fragments.size()), 0, top_s * 1.08};
  std::string out = svg_open(id, height, "per-fragment latency with the budget line");
  const auto ys = ticks(f.ymin, f.ymax, 5);
  const double ystep = ys.size() > 1 ? ys[1] - ys[0] : 1;
  for (const double y : ys) {
    out += line(f.left, f.py(y), f.right(), f.py(y), "grid");
    out += text(f.left - 8, f.py(y) + 4, tick_label(y, ystep), "tick", "end");
  }
  out += fmt::format(
      "<text class=\"axis-title\" transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">"
      "seconds</text>\n",
      num(f.left - 52), num(f.top + f.height / 2));
  struct Part {
    const char* name;
    const char* colour;
  };
  const Part parts[] = {{"ASR", "#4c78a8"},
                        {"MT", "#72b7b2"},
                        {"TTS", "#54a24b"},
                        {"waiting in STS", "#bab0ac"},
                        {"rest of round trip", "#d8dee6"}};
  // Legend
  double lx = f.left;
  for (const auto& p : parts) {
    out += rect(lx, 12, 12, 12, fmt::format("fill=\"{}\"", p.colour));
    out += text(lx + 17, 22, p.name, "label");
    lx += 28 + 7.2 * static_cast<double>(std::string_view(p.name).size());
  }
  const double slot = f.width / static_cast<double>(fragments.size());
  const double bar = std::min(64.0, slot * 0.6);
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    const auto& fr = fragments[i];
    const double x = f.left + slot * (static_cast<double>(i) + 0.5) - bar / 2;
    const double stages = fr.asr_ms.value_or(0) + fr.mt_ms.value_or(0) + fr.tts_ms.value_or(0);
    const double sts_other = std::max(0.0, fr.processing_ms.value_or(stages) - stages);  // processing outside stages
    const double values[] = {
        fr.asr_ms.value_or(0), fr.mt_ms.value_or(0), fr.tts_ms.value_or(0), fr.queue_ms.value_or(0) + sts_other,
        fr.roundtrip_ms ? std::max(0.0, *fr.roundtrip_ms - fr.processing_ms.value_or(stages) - fr.queue_ms.value_or(0))
                        : 0.0};
    double acc = 0;
    for (std::size_t k = 0; k < std::size(values); ++k) {
      const double v = values[k] / 1000.0;
      if (v <= 0) continue;
      out += rect(x, f.py(acc + v), bar, f.py(acc) - f.py(acc + v),
                  fmt::format("fill=\"{}\"><title>#{} {}: {:.0f} ms</title></rect", parts[k].colour, fr.sequence_number,
                              parts[k].name, values[k]));
      acc += v;
    }
    const double total = total_ms(fr) / 1000.0;
    out += text(x + bar / 2, f.py(std::max(acc, total)) - 5, fmt::format("{:.2f} s", total), "value", "middle");
    out += text(x + bar / 2, f.bottom() + 18, fmt::format("#{}", fr.sequence_number), "tick", "middle");
    if (outcome_of(fr) != "dubbed") {
      out += text(x + bar / 2, f.bottom() + 33, outcome_of(fr), "limit-label", "middle");
    }
  }
  out += line(f.left, f.bottom(), f.right(), f.bottom(), "axis");
  out += line(f.left, f.py(kLatencyBudgetS), f.right(), f.py(kLatencyBudgetS), "limit");
  out += text(f.right() - 4, f.py(kLatencyBudgetS) - 6, fmt::format("budget {:.0f} s", kLatencyBudgetS), "limit-label",
              "end");
  out += text(f.right(), f.bottom() + 40, "fragment", "axis-title", "end");
  out += "</svg>\n";
  return out;
}

std::string svg_drift(const std::string& id, const std::vector<Point>& drift_ms, double limit_ms) {
  if (drift_ms.empty()) return {};
  double xmin = drift_ms.front().x;
  double xmax = drift_ms.front().x;
  double worst = 0;
  Point worst_at;
  for (const auto& p : drift_ms) {
    xmin = std::min(xmin, p.x);
    xmax = std::max(xmax, p.x);
    if (std::abs(p.y) >= worst) {
      worst = std::abs(p.y);
      worst_at = p;
    }
  }
  if (!(xmax > xmin)) xmax = xmin + 1;
  const double span = std::max(limit_ms * 1.5, worst * 1.15);
  const double height = 260;
  Frame f{80, 20, kWidth - 110, height - 70, std::min(0.0, xmin), xmax, -span, span};
  std::string out = svg_open(id, height, "audio/video drift over time with the tolerance band");
  out += rect(f.left, f.py(limit_ms), f.width, f.py(-limit_ms) - f.py(limit_ms), "fill=\"#e8f5e9\"");
  out += axes(f, "output time (s)", "drift (ms)", 6);
  out += line(f.left, f.py(limit_ms), f.right(), f.py(limit_ms), "limit");
  out += line(f.left, f.py(-limit_ms), f.right(), f.py(-limit_ms), "limit");
  out += text(f.right() - 4, f.py(limit_ms) - 6, fmt::format("+{:.0f} ms", limit_ms), "limit-label", "end");
  out += text(f.right() - 4, f.py(-limit_ms) + 16, fmt::format("−{:.0f} ms", limit_ms), "limit-label", "end");
  out += line(f.left, f.py(0), f.right(), f.py(0), "axis");
  out += polyline(f, drift_ms, "series");
  out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>\n", num(f.px(worst_at.x)),
                     num(f.py(worst_at.y)), worst > limit_ms ? "#c62828" : "#6a3d9a");
  const bool near_right = f.px(worst_at.x) > f.left + f.width * 0.7;
  const bool below = worst_at.y < 0 && f.py(worst_at.y) + 24 < f.bottom();  // else above: stay inside the plot
  out +=
      text(f.px(worst_at.x) + (near_right ? -10 : 10), f.py(worst_at.y) + (below ? 18 : -10),
           fmt::format("max |drift| {:.1f} ms at {:.1f} s", worst, worst_at.x), "value", near_right ? "end" : "start");
  out += "</svg>\n";
  return out;
}

std::string svg_similarity(const std::string& id, const ScenarioReport& s) {
  if (!s.similarity && s.similarity_series.empty()) return {};
  double xmin = 0;
  double xmax = 1;
  if (!s.similarity_series.empty()) {
    xmin = std::min(0.0, s.similarity_series.front().x);
    xmax = s.similarity_series.back().x;
  }
  if (s.dubbed_wave) xmax = std::max(xmax, s.dubbed_wave->end_s());
  const double height = 240;
  Frame f{80, 20, kWidth - 110, height - 70, xmin, xmax, 0, 1};
  std::string out = svg_open(id, height, "fingerprint similarity of the dubbed audio to the original");
  out += rect(f.left, f.py(1), f.width, f.py(s.max_similarity) - f.py(1), "fill=\"#fdecea\"");
  out += axes(f, s.similarity_series.empty() ? "" : "output time (s)", "similarity", 5);
  out += line(f.left, f.py(s.max_similarity), f.right(), f.py(s.max_similarity), "limit");
  out += text(f.right() - 4, f.py(s.max_similarity) - 6,
              fmt::format("fails above {:.2f} (not dubbed)", s.max_similarity), "limit-label", "end");
  out += line(f.left, f.py(0.5), f.right(), f.py(0.5), "ref");
  out += text(f.right() - 4, f.py(0.5) + 16, "≈ 0.5: unrelated audio", "label", "end");
  if (!s.similarity_series.empty()) out += polyline(f, s.similarity_series, "series");
  if (s.similarity) {
    out += line(f.left, f.py(*s.similarity), f.right(), f.py(*s.similarity), "overall");
    out += text(f.left + 6, f.py(*s.similarity) - 6, fmt::format("whole file: {:.3f}", *s.similarity), "value");
  }
  out += "</svg>\n";
  return out;
}

}  // namespace dubctl::report
