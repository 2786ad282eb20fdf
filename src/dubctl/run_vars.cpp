#include "run_vars.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <regex>

#include "dub/util/error.hpp"

namespace dubctl {

namespace {

// ${NAME} names: letters, digits, '_' and '.', not starting with a digit or '.'.
void check_name(const std::string& name, const std::string& where) {
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_.]*");
  if (!std::regex_match(name, name_re)) {
    throw dub::Error(fmt::format("{}: '{}' is not a variable name (letters, digits, _ and .)", where, name));
  }
}

EnvMap load_var_file(const std::filesystem::path& file) {
  EnvMap vars;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw dub::Error(fmt::format("--var-file {}: {}", file.string(), e.what()));
  }
  if (root.IsNull()) return vars;  // an empty file: no variables
  if (!root.IsMap()) throw dub::Error(fmt::format("--var-file {}: must be a mapping of KEY: value", file.string()));
  for (const auto& kv : root) {
    const auto name = kv.first.Scalar();
    const auto where = fmt::format("--var-file {}:{}", file.string(), kv.first.Mark().line + 1);
    check_name(name, where);
    if (!kv.second.IsScalar()) throw dub::Error(fmt::format("{}: {}: must be a single value", where, name));
    vars[name] = kv.second.Scalar();
  }
  return vars;
}

}  // namespace

EnvMap run_vars(const std::vector<std::string>& pairs, const std::filesystem::path& file, const EnvMap& env) {
  EnvMap vars = file.empty() ? EnvMap{} : load_var_file(file);
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) throw dub::Error(fmt::format("--var '{}' is not KEY=VALUE", pair));
    check_name(pair.substr(0, eq), fmt::format("--var '{}'", pair));
    vars[pair.substr(0, eq)] = pair.substr(eq + 1);  // over the file's
  }
  for (const auto& [name, value] : vars) {
    if (env.contains(name)) {
      throw dub::Error(
          fmt::format("{} is given both with --env (compose and scenarios) and as a --var (scenarios "
                      "only): give it once",
                      name));
    }
  }
  return vars;
}

}  // namespace dubctl
