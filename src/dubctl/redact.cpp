#include "redact.hpp"

#include <algorithm>
#include <cctype>

#include "junit.hpp"

extern char** environ;  // POSIX

namespace dubctl {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

Redactor::Redactor(const Redactor& other) {
  const std::lock_guard lock(other.mutex_);
  values_ = other.values_;
  declared_ = other.declared_;
}

Redactor& Redactor::operator=(const Redactor& other) {
  if (this == &other) return *this;
  const std::scoped_lock lock(mutex_, other.mutex_);
  values_ = other.values_;
  declared_ = other.declared_;
  return *this;
}

Redactor::Redactor(Redactor&& other) noexcept {
  const std::lock_guard lock(other.mutex_);
  values_ = std::move(other.values_);
  declared_ = std::move(other.declared_);
}

Redactor& Redactor::operator=(Redactor&& other) noexcept {
  if (this == &other) return *this;
  const std::scoped_lock lock(mutex_, other.mutex_);
  values_ = std::move(other.values_);
  declared_ = std::move(other.declared_);
  return *this;
}

bool Redactor::empty() const {
  const std::lock_guard lock(mutex_);
  return values_.empty();
}

bool Redactor::is_secret_name(const std::string& name, const std::set<std::string>& declared) {
  if (declared.contains(name)) return true;
  const auto u = upper(name);
  return u == "STS_AUTH_TOKEN" || u.ends_with("_TOKEN") || u.ends_with("_SECRET") || u.ends_with("_PASSWORD");
}

void Redactor::add_value(const std::string& value) {
  if (value.size() < kMinLength) return;
  const std::lock_guard lock(mutex_);
  for (const auto& form : {value, xml_escape(value)}) {
    if (std::find(values_.begin(), values_.end(), form) != values_.end()) continue;
    values_.push_back(form);
  }
  std::stable_sort(values_.begin(), values_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void Redactor::add_secrets_of(const EnvMap& vars, const std::set<std::string>& declared) {
  for (const auto& [name, value] : vars) {
    if (is_secret_name(name, declared)) add_value(value);
  }
}

std::string Redactor::apply(std::string_view text) const {
  const std::lock_guard lock(mutex_);
  std::string out(text);
  for (const auto& value : values_) {
    std::string next;
    std::size_t from = 0;
    for (auto at = out.find(value); at != std::string::npos; at = out.find(value, from)) {
      next.append(out, from, at - from);
      next += kMask;
      from = at + value.size();
    }
    if (from == 0) continue;  // not found
    next.append(out, from);
    out = std::move(next);
  }
  return out;
}

void Redactor::declare(const std::set<std::string>& names) {
  const std::lock_guard lock(mutex_);
  declared_.insert(names.begin(), names.end());
}

bool Redactor::is_secret(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  return is_secret_name(name, declared_);
}

bool Redactor::touches_secret(std::string_view text, std::size_t begin, std::size_t end) const {
  const std::lock_guard lock(mutex_);
  for (const auto& value : values_) {
    for (auto at = text.find(value); at != std::string_view::npos; at = text.find(value, at + 1)) {
      if (at < end && at + value.size() > begin) return true;
    }
  }
  return false;
}

Redactor run_redactor(const std::vector<Scenario>& scenarios, const EnvMap& env,
                      const std::vector<std::string>& secret_names, const EnvMap& process_env) {
  std::set<std::string> declared(secret_names.begin(), secret_names.end());
  for (const auto& s : scenarios) declared.insert(s.secrets.begin(), s.secrets.end());
  Redactor r;
  r.declare(declared);
  r.add_secrets_of(env, declared);
  r.add_secrets_of(process_env, declared);
  for (const auto& s : scenarios) {
    for (const auto& [stack, use] : s.stacks) r.add_secrets_of(use.env, declared);
  }
  return r;
}

Redactor& terminal_redactor() {
  static Redactor redactor;
  return redactor;
}

EnvMap process_environment() {
  EnvMap out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace dubctl
