#include "completion.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "dub/util/error.hpp"

namespace dubctl {

namespace {

// What a value is completed with.
enum class Value { None, Words, Files, Folders, Scenarios };

struct Arg {
  std::vector<std::string> names;  // "-v", "--verbose"; a positional: its name
  std::string help;                // the first line of its description
  bool positional = false;
  bool takes_value = false;
  bool repeatable = false;
  Value value = Value::None;
  std::string words;  // Value::Words: the choices, space-separated
};

struct Command {
  std::string name;
  std::string help;
  std::vector<Arg> args;
};

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// How the value of `name` (an option's long name or a positional's name) is completed.
void classify(Arg& a, const std::string& name) {
  static const std::map<std::string, std::string> kWords = {{"stack", "media sts all"}, {"shell", "bash zsh"}};
  if (const auto it = kWords.find(name); it != kWords.end()) {
    a.value = Value::Words;
    a.words = it->second;
  } else if (name == "scenarios" || name == "paths") {
    a.value = Value::Scenarios;
  } else if (name == "--artifacts") {
    a.value = Value::Folders;
  } else if (a.positional || name == "--junit" || name.starts_with("--report-") || name.ends_with("-file")) {
    a.value = Value::Files;
  }
}

std::vector<Arg> args_of(const CLI::App& app) {
  std::vector<Arg> out;
  for (const auto* opt : app.get_options()) {
    Arg a;
    a.positional = opt->get_positional();
    if (a.positional) {
      a.names.push_back(opt->get_name(true));
    } else {
      for (const auto& s : opt->get_snames()) a.names.push_back("-" + s);
      for (const auto& l : opt->get_lnames()) a.names.push_back("--" + l);
    }
    if (a.names.empty()) continue;
    a.help = first_line(opt->get_description());
    a.takes_value = opt->get_items_expected_max() > 0;  // a flag expects none
    a.repeatable = opt->get_items_expected_max() > 1;
    classify(a, a.names.back());
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Command> commands_of(const CLI::App& app) {
  std::vector<Command> out;
  out.push_back({"", first_line(app.get_description()), args_of(app)});
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back({sub->get_name(), first_line(sub->get_description()), args_of(*sub)});
  }
  return out;
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  return fmt::format("{}", fmt::join(words, separator));
}

// Bash: the compgen command that fills COMPREPLY for a value.
std::string bash_values(const Arg& a) {
  switch (a.value) {
    case Value::Words:
      return fmt::format("mapfile -t COMPREPLY < <(compgen -W \"{}\" -- \"$cur\")", a.words);
    case Value::Files:
      return "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")";
    case Value::Folders:
      return "mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")";
    case Value::Scenarios:
      return "_dubctl_scenarios";
    case Value::None:
      break;
  }
  return "COMPREPLY=()";
}

// Bash: one `case` branch, completing the words after `cmd`.
std::string bash_branch(const Command& cmd, const std::string& subcommands) {
  std::vector<std::string> flags;
  std::string value_cases;
  const Arg* positional = nullptr;
  for (const auto& a : cmd.args) {
    if (a.positional) {
      positional = &a;
      continue;
    }
    flags.insert(flags.end(), a.names.begin(), a.names.end());
    if (a.takes_value) value_cases += fmt::format("      {}) {}; return ;;\n", joined(a.names, "|"), bash_values(a));
  }
  std::string words = joined(flags, " ");
  if (cmd.name.empty()) words = subcommands + " " + words;
  std::string out = fmt::format("    \"{}\")\n", cmd.name);
  if (!value_cases.empty()) out += "      case $prev in\n" + value_cases + "      esac\n";
  const std::string complete_flags = fmt::format("mapfile -t COMPREPLY < <(compgen -W \"{}\" -- \"$cur\")", words);
  if (positional == nullptr || cmd.name.empty()) {
    out += fmt::format("      {}\n", complete_flags);
  } else {
    out += fmt::format("      if [[ $cur == -* ]]; then\n        {}\n      else\n        {}\n      fi\n",
                       complete_flags, bash_values(*positional));
  }
  return out + "      ;;\n";
}

std::string bash_script(const std::vector<Command>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) {
    if (!c.name.empty()) names.push_back(c.name);
  }
  std::string branches;
  for (const auto& c : commands) branches += bash_branch(c, joined(names, " "));
  return fmt::format(R"(# bash completion for dubctl, printed by `dubctl completion bash`. Load it into this shell:
#   source <(dubctl completion bash)
# or install it for your user (bash-completion loads it on demand):
#   dubctl completion bash > ~/.local/share/bash-completion/completions/dubctl
_dubctl_scenarios() {{
  mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.yaml' -- "$cur"; compgen -f -X '!*.yml' -- "$cur")
}}

_dubctl() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD - 1]}} cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      -*) ;;
      *) cmd=${{COMP_WORDS[i]}}; break ;;
    esac
  done
  COMPREPLY=()
  case $cmd in
{}  esac
}}

complete -o filenames -F _dubctl dubctl
)",
                     branches);
}

// Zsh: text inside '...' and inside an _arguments [description] or a _describe "name:description".
std::string zsh_quote(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_action(const Arg& a) {
  switch (a.value) {
    case Value::Words:
      return fmt::format("({})", a.words);
    case Value::Files:
      return "_files";
    case Value::Folders:
      return "_files -/";
    case Value::Scenarios:
      return "_files -g \"*.(yaml|yml)\"";
    case Value::None:
      break;
  }
  return " ";
}

// Zsh: the _arguments specs of a command, one per line.
std::string zsh_specs(const Command& cmd, const char* indent) {
  std::string out;
  for (const auto& a : cmd.args) {
    const auto help = zsh_quote(a.help);
    std::string spec;
    if (a.positional) {
      spec = fmt::format("'{}:{}:{}'", a.repeatable ? "*" : "1", zsh_quote(a.names.front()), zsh_action(a));
    } else {
      const std::string value = a.takes_value ? fmt::format(":value:{}", zsh_action(a)) : "";
      const std::string exclusive = a.repeatable ? "*" : fmt::format("({})", joined(a.names, " "));
      const char* equals = a.takes_value ? "=" : "";  // the value in the next word or after '='
      for (const auto& name : a.names) spec += fmt::format(" '{}{}{}[{}]{}'", exclusive, name, equals, help, value);
      spec.erase(0, 1);
    }
    out += fmt::format(" \\\n{}{}", indent, spec);
  }
  return out;
}

std::string zsh_script(const std::vector<Command>& commands) {
  std::string described;
  std::string branches;
  for (const auto& c : commands) {
    if (c.name.empty()) continue;
    described += fmt::format("    '{}:{}'\n", c.name, zsh_quote(c.help));
    branches += fmt::format("        {})\n          _arguments{} ;;\n", c.name, zsh_specs(c, "            "));
  }
  return fmt::format(R"(#compdef dubctl
# zsh completion for dubctl, printed by `dubctl completion zsh`. Load it into this shell:
#   source <(dubctl completion zsh)
# or install it as _dubctl in a folder of $fpath, before compinit runs:
#   dubctl completion zsh > ~/.zsh/completions/_dubctl   # with fpath=(~/.zsh/completions $fpath)
_dubctl() {{
  local curcontext=$curcontext state line
  local -a commands
  commands=(
{}  )
  _arguments -C{} \
    '1: :->command' \
    '*:: :->args'
  case $state in
    command) _describe -t commands 'dubctl command' commands ;;
    args)
      case $line[1] in
{}      esac
      ;;
  esac
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _dubctl "$@"
else
  compdef _dubctl dubctl
fi
)",
                     described, zsh_specs(commands.front(), "    "), branches);
}

}  // namespace

std::string completion_script(const CLI::App& app, const std::string& shell) {
  const auto commands = commands_of(app);
  if (shell == "bash") return bash_script(commands);
  if (shell == "zsh") return zsh_script(commands);
  throw dub::Error(fmt::format("no completion for shell '{}' (use bash or zsh)", shell));
}

}  // namespace dubctl
