#!/usr/bin/env python3
"""clang-tidy over the project's translation units, skipping those whose clean result is cached.

    tidy_cache.py --build BUILD --cache DIR [--jobs N] [--clang-tidy BIN] FILE...

FILE... are the project's C++ files (scripts/lint passes size_limits.py --list cpp): the .cpp files are
checked. A unit's key hashes everything that can change its result: the clang-tidy version, every
.clang-tidy file, the Debian package database (system headers), the unit's path and content, its
compile command, and the path and content of every header of the clone or build tree it includes,
directly or through another (every `#include` line counts, whatever #if surrounds it, so the set is
never smaller than the compiler's; one resolved as the compiler would: the including file's folder,
then the command's -I/-iquote/-isystem folders). Clone and build paths are replaced by placeholders,
so clones at other paths share the cache; a change to one header rechecks only the units including
it. Only clean results are cached (an empty file DIR/<key>); a unit with any finding is checked again
next time and fails the run. Prints "N files checked, M from cache"; exit 1 on any finding or clang-tidy failure.
Standard library only."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]+)[>"]', re.MULTILINE)
INCLUDE_FLAGS = ("-I", "-iquote", "-isystem")
FINDING = re.compile(r"warning:|error:")
PRUNE_AFTER_S = 30 * 24 * 3600  # cache entries not used for 30 days are removed
DPKG_STATUS = Path("/var/lib/dpkg/status")


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def tidy_configs(root: Path) -> list[Path]:
    """Every .clang-tidy file of the project (clang-tidy reads the nearest one up from each file)."""
    res = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z", "--", ":(glob)**/.clang-tidy"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    found = [root / p for p in res.stdout.decode().split("\0") if p]
    if not found and (root / ".clang-tidy").is_file():
        found = [root / ".clang-tidy"]
    return sorted(p for p in found if p.is_file())


def common_key(root: Path, tidy_version: bytes, extra: list[Path]) -> str:
    """The part of every key the units share: tool version, configs, system headers."""
    parts = [tidy_version]
    for path in [p.relative_to(root) for p in tidy_configs(root)] + extra:
        full = root / path  # extra paths are absolute
        parts += [str(path).encode(), full.read_bytes() if full.is_file() else b"<missing>"]
    return _digest(*parts)


def compile_commands(build: Path, root: Path) -> dict[Path, tuple[str, list[Path]]]:
    """Each file's compile command (build and clone paths replaced by placeholders) and its include
    folders (-I, -iquote, -isystem; relative ones from the entry's directory)."""
    entries = json.loads((build / "compile_commands.json").read_text())
    out: dict[Path, tuple[str, list[Path]]] = {}
    for e in entries:
        args = e.get("arguments") or shlex.split(e.get("command", ""))
        cmd = e.get("command") or " ".join(args)
        dirs = [Path(e["directory"], d) for d in _include_dirs(args)]
        out[Path(e["directory"], e["file"]).resolve()] = (
            cmd.replace(str(build), "<build>").replace(str(root), "<root>"),
            dirs,
        )
    return out


def _include_dirs(args: list[str]) -> list[str]:
    dirs = []
    for i, a in enumerate(args):
        for flag in INCLUDE_FLAGS:
            if a == flag and i + 1 < len(args):
                dirs.append(args[i + 1])
            elif a.startswith(flag) and len(a) > len(flag):
                dirs.append(a[len(flag) :])
    return dirs


def included_headers(unit: Path, dirs: list[Path], trees: list[Path]) -> list[Path]:
    """Every file under `trees` (the clone, the build tree) that `unit` includes, directly or not."""
    seen: set[Path] = set()
    todo = [unit.resolve()]
    while todo:
        current = todo.pop()
        try:
            text = current.read_bytes()
        except OSError:
            continue
        for name in INCLUDE.findall(text):
            rel = name.decode(errors="replace")
            for base in [current.parent, *dirs]:
                found = (base / rel).resolve()
                if found.is_file():
                    if found not in seen and any(found.is_relative_to(t) for t in trees):
                        seen.add(found)
                        todo.append(found)
                    break
    return sorted(seen)


def _shown(path: Path, root: Path, build: Path) -> str:
    """The path in a key: under the build tree or the clone, relative with a placeholder."""
    if path.is_relative_to(build):
        return f"<build>/{path.relative_to(build)}"
    return f"<root>/{path.relative_to(root)}"


def unit_key(common: str, root: Path, build: Path, unit: Path, command: tuple[str, list[Path]] | None) -> str:
    cmd, dirs = command or ("<none>", [])
    parts = [common.encode(), str(unit).encode(), (root / unit).read_bytes(), cmd.encode()]
    for h in included_headers(root / unit, dirs, [root, build]):
        parts += [_shown(h, root, build).encode(), h.read_bytes()]
    return _digest(*parts)


def run_tidy(tidy: str, build: Path, unit: Path) -> tuple[bool, str]:
    """(clean, output) of clang-tidy on one unit; stderr (its progress chatter) is dropped as before."""
    cmd = [tidy, "-p", str(build), "--quiet", str(unit)]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False)
    clean = res.returncode == 0 and not FINDING.search(res.stdout)
    if res.returncode != 0 and not res.stdout.strip():
        return False, f"{unit}: clang-tidy failed (exit {res.returncode}) without output\n"
    return clean, res.stdout


def prune(cache: Path) -> None:
    cutoff = time.time() - PRUNE_AFTER_S
    for entry in cache.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:
            pass  # another lint run removed or replaced it


def record_clean(cache: Path, key: str) -> None:
    tmp = cache / f".{key}.{os.getpid()}"
    tmp.write_bytes(b"")
    tmp.replace(cache / key)


def check(args: argparse.Namespace) -> tuple[int, int, list[str]]:
    """(units checked, of which from the cache, outputs with findings)."""
    root, build, cache = Path.cwd().resolve(), args.build.resolve(), args.cache
    cache.mkdir(parents=True, exist_ok=True)
    files = [Path(f) for f in args.files]
    units = [f for f in files if f.suffix == ".cpp"]  # headers: through the units that include them
    version = subprocess.run([args.clang_tidy, "--version"], capture_output=True, check=True).stdout
    common = common_key(root, version, [DPKG_STATUS])
    commands = compile_commands(build, root)
    keys = {u: unit_key(common, root, build, u, commands.get((root / u).resolve())) for u in units}
    todo = []
    for u in units:
        hit = cache / keys[u]
        if hit.is_file():
            hit.touch()
        else:
            todo.append(u)
    findings = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for u, (clean, output) in zip(todo, pool.map(lambda u: run_tidy(args.clang_tidy, build, u), todo), strict=True):
            if clean:
                record_clean(cache, keys[u])
            else:
                findings.append(output)
    prune(cache)
    return len(units), len(units) - len(todo), findings


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, required=True, help="build tree with compile_commands.json")
    ap.add_argument("--cache", type=Path, required=True, help="folder of clean results")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--clang-tidy", default="clang-tidy")
    ap.add_argument("--log", type=Path, help="also write the findings here")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args(argv[1:])
    checked, cached, findings = check(args)
    text = "".join(findings)
    if args.log:
        args.log.write_text(text)
    sys.stderr.write(text)
    print(f"clang-tidy: {checked} files checked, {cached} from cache, {len(findings)} with findings", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
