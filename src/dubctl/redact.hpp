#pragma once
// Secrets kept out of everything `dubctl run` writes: the terminal's step and failure lines, the
// container logs saved on a failure, junit.xml and report.html. One Redactor per run, built from
// the run's variables before anything starts; each writer passes its text through apply() at the
// point where it leaves dubctl.
//
// A variable is secret when a scenario lists it under `secrets:`, `--secret NAME` names it, it is
// STS_AUTH_TOKEN, or its name ends in _TOKEN, _SECRET or _PASSWORD (any case). Its value is looked
// for in --env, the scenarios' stacks env and the process environment (where compose and ${...}
// read it too).
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

// Safe to use from several threads (a step may add a value it captured while a background task
// prints a progress line).
class Redactor {
 public:
  Redactor() = default;
  Redactor(const Redactor& other);
  Redactor& operator=(const Redactor& other);
  Redactor(Redactor&& other) noexcept;
  Redactor& operator=(Redactor&& other) noexcept;
  ~Redactor() = default;

  // What a secret value becomes.
  static constexpr std::string_view kMask = "***";
  // Shorter values are not redacted: a 1-3 character value ("1", "on", "dev") occurs by chance in
  // numbers, words and timestamps everywhere, so masking it would mangle the output (and the
  // pattern of masks would give the value away anyway), while a value that short protects nothing.
  static constexpr std::size_t kMinLength = 4;

  // Whether the variable `name` is secret: listed in `declared`, or one of the always-secret names.
  static bool is_secret_name(const std::string& name, const std::set<std::string>& declared);

  // Masks `value` (and its XML/HTML-escaped form, as junit.xml and report.html hold it) from now on;
  // a value shorter than kMinLength is ignored.
  void add_value(const std::string& value);
  // Masks the value of every secret variable of `vars` (is_secret_name with `declared`).
  void add_secrets_of(const EnvMap& vars, const std::set<std::string>& declared);
  // Names declared secret (`secrets:`, --secret) from now on; is_secret() knows them.
  void declare(const std::set<std::string>& names);
  // Whether the variable `name` is secret: declared, or one of the always-secret names.
  [[nodiscard]] bool is_secret(const std::string& name) const;

  // `text` with every occurrence of every secret value replaced by kMask (longest values first, so
  // a secret containing another is masked whole).
  [[nodiscard]] std::string apply(std::string_view text) const;
  [[nodiscard]] bool empty() const;
  // Whether an occurrence of a secret value in `text` overlaps text[begin, end): a value taken from
  // that part of `text` holds some of a secret (step_vars.hpp).
  [[nodiscard]] bool touches_secret(std::string_view text, std::size_t begin, std::size_t end) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> values_;  // longest first, no duplicates
  std::set<std::string> declared_;
};

// The run's Redactor: the names every scenario declares under `secrets:` and the `--secret` names,
// looked up in --env (`env`), every scenario's stacks env and `process_env` (the environment).
Redactor run_redactor(const std::vector<Scenario>& scenarios, const EnvMap& env,
                      const std::vector<std::string>& secret_names, const EnvMap& process_env);

// The terminal's Redactor, process-wide as stderr is: run_scenarios sets it once before any step (or
// thread) starts; the step, failure and progress lines (progress.hpp) go through it. Empty (masks
// nothing) until then.
Redactor& terminal_redactor();

// The process environment as a map (for run_redactor).
EnvMap process_environment();

}  // namespace dubctl
