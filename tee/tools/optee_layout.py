"""Read a TA directory laid out for OP-TEE's TA dev kit.

An OP-TEE TA is built with ``make`` and the dev kit's ``ta_dev_kit.mk``: its
``Makefile`` sets ``BINARY = <uuid>`` (and often ``CFG_*`` options such as
``CFG_TA_OPTEE_CORE_API_COMPAT_1_1 = y``) and includes the dev kit, which
walks ``sub.mk`` files (``mk/subdir.mk``) for what to compile:

========================== ===================================================
``srcs-y``                 sources, relative to the ``sub.mk``
``srcs-$(CFG_X)``          the same if ``CFG_X`` is ``y``
``subdirs-y``              subdirectories with their own ``sub.mk``
``global-incdirs-y``       include directories for every source of the TA
``incdirs-y``              include directories for this ``sub.mk``'s sources
``cflags-y``, ``cppflags-y``  flags for this ``sub.mk``'s sources
``cflags-<file>-y``, ``cppflags-<file>-y``, ``incdirs-<file>-y``  one source
``cflags-remove-y``, ``cflags-remove-<file>-y``  flags taken out again
========================== ===================================================

:func:`read_layout` evaluates those files the way ``make`` would for the
subset of make they use (variables of every flavour, ``$(...)`` references
and common functions, ``ifeq``/``ifneq``/``ifdef``/``ifndef``, ``include``),
without running ``make`` and without changing any file. What it cannot
evaluate (rules, ``$(shell ...)``, unknown functions) it skips with a
warning in :attr:`OpteeLayout.warnings`. Like the dev kit, it passes the
``CFG_*`` variables of the ``Makefile`` to the compiler (``-DCFG_X=1`` for
``y``) and the environment's ``CFG_*`` variables are defaults that the files
may override.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The configuration a teesim TA is built for, as the dev kit's conf.mk says it.
DEV_KIT_CONFIG: Mapping[str, str] = {
    "CFG_ARM64_ta_arm64": "y",
    "CFG_TA_FLOAT_SUPPORT": "y",
    "CFG_TA_MBEDTLS": "n",
    "CFG_TA_MBEDTLS_MPI": "n",
    "CFG_TA_DYNLINK": "n",
    "CFG_TA_FTRACE_SUPPORT": "n",
    "CFG_TA_GPROF_SUPPORT": "n",
    "CFG_TA_MCOUNT": "n",
    "CFG_UNWIND": "n",
    "CFG_CACHE_API": "y",
    "CFG_SYSTEM_PTA": "y",
    "CFG_TEE_TA_LOG_LEVEL": "2",
    "CFG_TA_OPTEE_CORE_API_COMPAT_1_1": "n",
}

#: Set from the dev kit for every TA, not CFG_* options the TA chose.
_NOT_PASSED = frozenset({"CFG_TEE_TA_LOG_LEVEL"})

COMPAT_VARIABLE = "CFG_TA_OPTEE_CORE_API_COMPAT_1_1"
COMPAT_DEFINE = "-D__OPTEE_CORE_API_COMPAT_1_1=1"

_SOURCE_SUFFIXES = (".c", ".S")


class LayoutError(Exception):
    """The dev-kit files say something that cannot be built."""


@dataclass
class Source:
    """One file to compile, with the flags its ``sub.mk`` gives it."""

    path: Path
    incdirs: list[Path] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    remove_flags: list[str] = field(default_factory=list)


@dataclass
class OpteeLayout:
    """What the dev-kit files of one TA directory say."""

    ta_dir: Path
    #: ``BINARY`` from the Makefile (the TA's UUID), if there is a Makefile.
    binary: str | None = None
    #: From ``srcs-y``; None without a ``sub.mk`` (build every ``*.c`` then).
    sources: list[Source] | None = None
    global_incdirs: list[Path] = field(default_factory=list)
    #: ``-DCFG_...`` from the Makefile, as the dev kit passes them.
    config_defines: list[str] = field(default_factory=list)
    #: CFG_TA_OPTEE_CORE_API_COMPAT_1_1 is y, or some cflags define __OPTEE_CORE_API_COMPAT_1_1.
    gp11: bool = False
    #: CFG_TEE_TA_LOG_LEVEL, if the files set it.
    log_level: int | None = None
    warnings: list[str] = field(default_factory=list)


def read_layout(ta_dir: Path, environ: Mapping[str, str] | None = None) -> OpteeLayout:
    """Evaluate ``ta_dir``'s ``Makefile`` and ``sub.mk`` files (those that exist).

    Raises :class:`LayoutError` for what cannot be built: a listed source
    that does not exist or is not C/assembly, a subdirectory without
    ``sub.mk``, a library instead of a TA, ``$(error ...)``.
    """
    ta_dir = Path(ta_dir).resolve()
    environ = os.environ if environ is None else environ
    layout = OpteeLayout(ta_dir)
    make = _Make(ta_dir, layout.warnings)
    for name, value in DEV_KIT_CONFIG.items():
        make.set_default(name, value, "dev kit")
    for name, value in environ.items():
        if name.startswith("CFG_"):
            make.set_default(name, value, "environment")

    makefile = ta_dir / "Makefile"
    if makefile.is_file():
        make.run_file(makefile)
        for name in ("LIBNAME", "SHLIBNAME"):
            if make.get(name).strip():
                raise LayoutError(f"Makefile: {name} is set: that builds a library, not a TA")
        binary = make.get("BINARY").strip()
        if binary:
            layout.binary = binary
        else:
            layout.warnings.append("Makefile: no BINARY = <uuid>; the TA's UUID is not checked")
    # The dev kit passes the CFG_* variables known when ta_dev_kit.mk is included
    layout.config_defines = _config_defines(make)

    if (ta_dir / "sub.mk").is_file():
        layout.sources = []
        _process_subdir(make, ta_dir, layout)

    layout.gp11 = make.get(COMPAT_VARIABLE).strip() == "y" or any(
        _defines_compat(flag) for src in layout.sources or () for flag in src.flags)
    layout.warnings[:] = dict.fromkeys(layout.warnings)
    level = make.get("CFG_TEE_TA_LOG_LEVEL").strip()
    if make.was_set("CFG_TEE_TA_LOG_LEVEL"):
        if level.isdigit() and 0 <= int(level) <= 4:
            layout.log_level = int(level)
        else:
            layout.warnings.append(f"CFG_TEE_TA_LOG_LEVEL = {level!r} is not 0-4; ignored")
    return layout


def _config_defines(make: _Make) -> list[str]:
    defines = []
    for name in sorted(make.variables):
        if not name.startswith("CFG_") or name in _NOT_PASSED:
            continue
        value = make.get(name).strip()
        if value == "y":
            defines.append(f"-D{name}=1")
        elif value not in ("", "n"):
            defines.append(f"-D{name}={value}")
    return defines


def _defines_compat(flag: str) -> bool:
    """-D__OPTEE_CORE_API_COMPAT_1_1[=non-zero], or GP's TEE_CORE_API_REQUIRED_MINOR_VERSION=1."""
    match = re.fullmatch(r"-D__OPTEE_CORE_API_COMPAT_1_1(?:=(.*))?", flag)
    if match:
        return match.group(1) is None or match.group(1).strip() not in ("0", "")
    return re.fullmatch(r"-DTEE_CORE_API_REQUIRED_MINOR_VERSION=(0x)?0*1U?", flag) is not None


_PER_DIR = ("srcs-y", "subdirs-y", "subdirs_-y", "global-incdirs-y", "incdirs-y", "cflags-y",
            "cppflags-y", "aflags-y", "cflags-remove-y", "cppflags-remove-y")


_PER_FILE = ("srcs-", "subdirs-", "cflags-", "cppflags-", "incdirs-", "aflags-", "cxxflags-",
             "global-incdirs-")
_UNSUPPORTED = ("cxxflags", "asm-defines", "gensrcs", "libnames", "libdirs", "libdeps",
                "incdirs_ext", "global-incdirs_ext")


def _process_subdir(make: _Make, directory: Path, layout: OpteeLayout) -> None:
    """Like subdir.mk's process-subdir: one sub.mk, then its subdirs-y."""
    sub_mk = directory / "sub.mk"
    where = _rel(sub_mk, layout.ta_dir)
    if not sub_mk.is_file():
        raise LayoutError(f"{_rel(directory, layout.ta_dir)}: listed in subdirs-y but has no sub.mk")
    for name in list(make.variables):
        if name in _PER_DIR or name.startswith(_PER_FILE):
            make.clear(name)
    before = set(make.variables)
    make.run_file(sub_mk)
    new = sorted(set(make.variables) - before)

    def words(name: str) -> list[str]:
        return make.get(name).split()

    def flags(name: str) -> list[str]:
        try:
            return shlex.split(make.get(name))
        except ValueError as error:
            raise LayoutError(f"{where}: {name}: {error}") from None

    for inc in words("global-incdirs-y"):
        layout.global_incdirs.append((directory / inc).resolve())
    local_incdirs = [(directory / inc).resolve() for inc in words("incdirs-y")]
    sources = layout.sources
    assert sources is not None  # read_layout sets it before it processes any sub.mk
    dir_flags = flags("cppflags-y") + flags("cflags-y")
    dir_remove = flags("cflags-remove-y") + flags("cppflags-remove-y")

    for name in words("srcs-y"):
        path = (directory / name).resolve()
        if path.suffix not in _SOURCE_SUFFIXES:
            raise LayoutError(f"{where}: srcs-y lists {name}: only C (.c) and assembly (.S) "
                              "sources are supported")
        if not path.is_file():
            raise LayoutError(f"{where}: srcs-y lists {name}, which does not exist")
        sources.append(Source(
            path,
            incdirs=local_incdirs + [(directory / inc).resolve() for inc in words(f"incdirs-{name}-y")],
            flags=dir_flags + flags(f"cppflags-{name}-y") + flags(f"cflags-{name}-y"),
            remove_flags=dir_remove + flags(f"cflags-remove-{name}-y")))

    for name in new:
        value = make.get(name).strip()
        # srcs-$(CFG_X) with CFG_X not y: not built, as with make, but say so
        match = re.fullmatch(r"(srcs|subdirs)-(.*)", name)
        if match and match.group(2) not in ("y", "n", "_-y") and value:
            options = re.findall(r"\$[({](CFG_\w+)[)}]", make.origin(name))
            why = (" and ".join(options) + (" is" if len(options) == 1 else " are") + " not y"
                   if options else f"{make.origin(name)} is {name}, not {match.group(1)}-y")
            layout.warnings.append(f"{where}: not building {value}: {why}")
        elif name.startswith(_UNSUPPORTED) and value:
            layout.warnings.append(f"{where}: {name} is not supported; ignored")

    subdirs = [directory / d for d in words("subdirs-y")] + \
              [layout.ta_dir / d for d in words("subdirs_-y")]
    for sub in subdirs:
        _process_subdir(make, sub.resolve(), layout)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


# --- a small evaluator for the subset of GNU make that TA makefiles use ---

_ASSIGN_OPS = ("::=", ":=", "?=", "+=", "!=", "=")
_COND = re.compile(r"(ifeq|ifneq|ifdef|ifndef)\b\s*(.*)")


@dataclass
class _Var:
    value: str
    simple: bool        # := (expanded once) rather than = (expanded when used)
    origin: str         # the name as written, for messages
    kind: str = "file"      # or "environment", or "dev kit" (overridden even by ?=)
    where: str = ""         # file:line of the last assignment, for messages


class _Make:
    def __init__(self, cwd: Path, warnings: list[str]) -> None:
        self.cwd = cwd
        self.variables: dict[str, _Var] = {}
        self.warnings = warnings
        self.where = ""
        self._depth = 0

    # variables

    def set_default(self, name: str, value: str, kind: str) -> None:
        self.variables[name] = _Var(value, True, name, kind)

    def clear(self, name: str) -> None:
        self.variables.pop(name, None)

    def was_set(self, name: str) -> bool:
        var = self.variables.get(name)
        return var is not None and var.kind != "dev kit"

    def origin(self, name: str) -> str:
        return self.variables[name].origin

    def get(self, name: str) -> str:
        var = self.variables.get(name)
        if var is None:
            if name == "CURDIR":
                return str(self.cwd)
            if name in ("sm", "ta-target"):
                return "ta_arm64"
            return ""
        if var.simple:
            return var.value
        self._depth += 1
        outer, self.where = self.where, var.where or self.where
        try:
            if self._depth > 50:
                raise LayoutError(f"{self.where}: variable {name} refers to itself")
            return self.expand(var.value)
        finally:
            self._depth -= 1
            self.where = outer

    # files

    def run_file(self, path: Path) -> None:
        outer = self.where
        lines = self._logical_lines(path)
        stack: list[tuple[bool, bool]] = []   # (this branch active, some branch taken)
        in_define = False
        in_rule = False
        for lineno, line in lines:
            self.where = f"{_rel(path, self.cwd)}:{lineno}"
            stripped = line.strip()
            active = all(branch for branch, _ in stack)
            if in_define:
                in_define = not re.match(r"endef\b", stripped)
                continue
            if not stripped:
                continue
            if line.startswith("\t") and in_rule:
                continue    # a recipe line of a rule
            cond = _COND.match(stripped)
            if cond:
                value = self._condition(cond.group(1), cond.group(2)) if active else False
                stack.append((value, value))
                continue
            if re.match(r"else\b", stripped):
                if not stack:
                    raise LayoutError(f"{self.where}: else without if")
                _, taken = stack.pop()
                rest = _COND.match(stripped[4:].strip())
                outer_active = all(branch for branch, _ in stack)
                if rest and outer_active and not taken:
                    value = self._condition(rest.group(1), rest.group(2))
                else:
                    value = not taken and not rest
                stack.append((value, taken or value))
                continue
            if re.match(r"endif\b", stripped):
                if not stack:
                    raise LayoutError(f"{self.where}: endif without if")
                stack.pop()
                continue
            if not active:
                continue
            if re.match(r"define\b", stripped):
                self.warnings.append(f"{self.where}: define ... endef is not supported; ignored")
                in_define = True
                continue
            in_rule = self._statement(stripped, path)
        if stack:
            raise LayoutError(f"{_rel(path, self.cwd)}: missing endif")
        self.where = outer

    @staticmethod
    def _logical_lines(path: Path) -> list[tuple[int, str]]:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise LayoutError(f"{path}: cannot read: {error}") from None
        result: list[tuple[int, str]] = []
        pending, start = "", 0
        for number, raw in enumerate(text.splitlines(), 1):
            if not pending:
                start = number
            if not raw.startswith("\t") or pending:
                raw = _strip_comment(raw)
            if raw.endswith("\\"):
                pending += raw[:-1] + " "
                continue
            result.append((start, pending + raw))
            pending = ""
        if pending:
            result.append((start, pending))
        return result

    def _statement(self, line: str, path: Path) -> bool:
        """Evaluate one line; True if it starts a rule (recipe lines follow)."""
        include = re.match(r"(-|s)?include\s+(.*)", line)
        if include:
            self._include(include.group(2), optional=bool(include.group(1)), path=path)
            return False
        words = line.split(None, 1)
        if words[0] in ("export", "unexport", "override", "private"):
            if len(words) == 1:
                return False
            line = words[1]
            if words[0] == "unexport" or not _find_op(line)[0]:
                return False    # "export VAR": nothing to evaluate
        if words[0] in ("vpath", "undefine"):
            self.warnings.append(f"{self.where}: {words[0]} is not supported; ignored")
            return False
        op, index = _find_op(line)
        if op is None:
            if line.startswith("$(") or line.startswith("${"):
                self.expand(line)     # $(error ...), $(warning ...), $(info ...)
                return False
            self.warnings.append(f"{self.where}: cannot evaluate {line!r}; ignored")
            return False
        if op == ":":
            return True  # a rule: targets are make's business, not the build's
        name = self.expand(line[:index]).strip()
        raw_name = line[:index].strip()
        value = line[index + len(op):].strip()
        if not name or " " in name:
            self.warnings.append(f"{self.where}: cannot evaluate {line!r}; ignored")
            return False
        current = self.variables.get(name)
        if current is not None and current.kind == "dev kit":
            current = None  # conf.mk comes later in the real build: the TA's value wins
        where = self.where
        if op in (":=", "::="):
            self.variables[name] = _Var(self.expand(value), True, raw_name, where=where)
        elif op == "=":
            self.variables[name] = _Var(value, False, raw_name, where=where)
        elif op == "?=":
            if current is None:
                self.variables[name] = _Var(value, False, raw_name, where=where)
        elif op == "+=":
            if current is None:
                self.variables[name] = _Var(value, False, raw_name, where=where)
            else:
                added = self.expand(value) if current.simple else value
                joined = f"{current.value} {added}" if current.value else added
                self.variables[name] = _Var(joined, current.simple, current.origin, current.kind,
                                            where)
        elif op == "!=":
            self.warnings.append(f"{self.where}: {name} != (a shell command) is not supported; "
                                 f"{name} is left empty")
            self.variables[name] = _Var("", True, raw_name, where=where)
        return False

    def _include(self, text: str, *, optional: bool, path: Path) -> None:
        for name in self.expand(text).split():
            if name.endswith("ta_dev_kit.mk"):
                continue    # what teesim build replaces
            candidates = [Path(name)] if os.path.isabs(name) else [self.cwd / name, path.parent / name]
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                if not optional:
                    self.warnings.append(f"{self.where}: include {name}: no such file; ignored")
                continue
            if self._depth > 20:
                raise LayoutError(f"{self.where}: include nesting too deep")
            self._depth += 1
            try:
                self.run_file(found.resolve())
            finally:
                self._depth -= 1

    def _condition(self, kind: str, text: str) -> bool:
        if kind in ("ifdef", "ifndef"):
            name = self.expand(text).strip()
            defined = bool(self.get(name)) if name in self.variables else False
            return defined if kind == "ifdef" else not defined
        args = _cond_args(text)
        if args is None:
            self.warnings.append(f"{self.where}: cannot evaluate {kind} {text}; taken as false")
            return False
        left, right = (self.expand(a).strip() for a in args)
        return (left == right) == (kind == "ifeq")

    # expansion

    def expand(self, text: str) -> str:
        out = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch != "$":
                out.append(ch)
                i += 1
                continue
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt in "({":
                close = _matching(text, i + 1)
                if close < 0:
                    raise LayoutError(f"{self.where}: unterminated $({text[i + 2:]}")
                out.append(self._reference(text[i + 2:close]))
                i = close + 1
            else:
                out.append(self.get(nxt))
                i += 2
        return "".join(out)

    def _reference(self, body: str) -> str:
        match = re.match(r"([a-z-]+)[ \t]+(.*)", body, re.S)
        if match and match.group(1) in _FUNCTIONS:
            return _FUNCTIONS[match.group(1)](self, _split_args(match.group(2)))
        if match and match.group(1) in ("shell", "call", "eval", "foreach", "origin", "value",
                                         "file", "flavor", "lastword", "wordlist", "word", "join"):
            self.warnings.append(f"{self.where}: $({match.group(1)} ...) is not supported; "
                                 "taken as empty")
            return ""
        subst = re.fullmatch(r"([^:]+):([^=]*)=(.*)", body)
        if subst:   # $(VAR:.c=.o)
            pattern, replacement = subst.group(2), subst.group(3)
            if "%" not in pattern:
                pattern, replacement = "%" + pattern, "%" + replacement
            return " ".join(_patsubst_word(pattern, replacement, w)
                             for w in self.get(self.expand(subst.group(1)).strip()).split())
        return self.get(self.expand(body).strip())


def _strip_comment(line: str) -> str:
    i = 0
    while True:
        i = line.find("#", i)
        if i < 0:
            return line.rstrip()
        if i > 0 and line[i - 1] == "\\":
            line = line[:i - 1] + line[i:]
            continue
        return line[:i].rstrip()


def _matching(text: str, open_index: int) -> int:
    opening = text[open_index]
    closing = ")" if opening == "(" else "}"
    depth = 0
    for i in range(open_index, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _find_op(line: str) -> tuple[str | None, int]:
    """The first assignment operator or rule colon outside $(...)."""
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "$" and i + 1 < len(line) and line[i + 1] in "({":
            depth += 1
            i += 2
            continue
        if ch in ")}" and depth:
            depth -= 1
        elif not depth:
            for op in _ASSIGN_OPS:
                if line.startswith(op, i):
                    return op, i
            if ch == ":":
                return ":", i
        i += 1
    return None, -1


def _split_args(text: str) -> list[str]:
    args: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current))
            current = []
        else:
            current.append(ch)
    args.append("".join(current))
    return args


def _cond_args(text: str) -> list[str] | None:
    text = text.strip()
    if text.startswith("(") and _matching(text, 0) == len(text) - 1:
        args = _split_args(text[1:-1])
        return args if len(args) == 2 else None
    quoted = re.fullmatch(r"""(["'])(.*?)\1\s+(["'])(.*?)\3""", text)
    if quoted:
        return [quoted.group(2), quoted.group(4)]
    return None


def _patsubst_word(pattern: str, replacement: str, word: str) -> str:
    if "%" not in pattern:
        return replacement if word == pattern else word
    prefix, suffix = pattern.split("%", 1)
    if word.startswith(prefix) and word.endswith(suffix) and len(word) >= len(prefix) + len(suffix):
        stem = word[len(prefix):len(word) - len(suffix)]
        return replacement.replace("%", stem, 1) if "%" in replacement else replacement
    return word


def _fn_wildcard(make: _Make, args: list[str]) -> str:
    found = []
    for pattern in make.expand(",".join(args)).split():
        base = make.cwd if not os.path.isabs(pattern) else Path("/")
        rel = pattern if not os.path.isabs(pattern) else pattern.lstrip("/")
        if any(c in rel for c in "*?["):
            found += sorted(_rel(p, base) if base == make.cwd else str(p) for p in base.glob(rel))
        elif (base / rel).exists():
            found.append(pattern)
    return " ".join(found)


def _fn_error(make: _Make, args: list[str]) -> str:
    raise LayoutError(f"{make.where}: $(error {make.expand(','.join(args)).strip()})")


def _fn_warning(make: _Make, args: list[str]) -> str:
    make.warnings.append(f"{make.where}: {make.expand(','.join(args)).strip()}")
    return ""


def _fn_if(make: _Make, args: list[str]) -> str:
    if make.expand(args[0]).strip():
        return make.expand(args[1]) if len(args) > 1 else ""
    return make.expand(",".join(args[2:])) if len(args) > 2 else ""


def _two(fn):  # (make, [a, b]) with both expanded
    def wrapper(make: _Make, args: list[str]) -> str:
        first = make.expand(args[0])
        rest = make.expand(",".join(args[1:]))
        return fn(first, rest)
    return wrapper


def _one(fn):
    def wrapper(make: _Make, args: list[str]) -> str:
        return fn(make.expand(",".join(args)))
    return wrapper


def _filter(patterns: str, text: str, keep: bool) -> str:
    pats = patterns.split()

    def matches(word: str) -> bool:
        return any(_patsubst_word(p, "\0", word) != word or word == p for p in pats)

    return " ".join(w for w in text.split() if matches(w) == keep)


_FUNCTIONS = {
    "wildcard": _fn_wildcard,
    "error": _fn_error,
    "warning": _fn_warning,
    "info": lambda make, args: "",
    "if": _fn_if,
    "strip": _one(lambda t: " ".join(t.split())),
    "sort": _one(lambda t: " ".join(sorted(set(t.split())))),
    "notdir": _one(lambda t: " ".join(w.rsplit("/", 1)[-1] for w in t.split())),
    "dir": _one(lambda t: " ".join((w.rsplit("/", 1)[0] + "/") if "/" in w else "./"
                                   for w in t.split())),
    "basename": _one(lambda t: " ".join(os.path.splitext(w)[0] for w in t.split())),
    "firstword": _one(lambda t: (t.split() or [""])[0]),
    "words": _one(lambda t: str(len(t.split()))),
    "abspath": _one(lambda t: " ".join(os.path.abspath(w) for w in t.split())),
    "addprefix": _two(lambda p, t: " ".join(p.strip() + w for w in t.split())),
    "addsuffix": _two(lambda s, t: " ".join(w + s.strip() for w in t.split())),
    "filter": _two(lambda p, t: _filter(p, t, True)),
    "filter-out": _two(lambda p, t: _filter(p, t, False)),
    "findstring": _two(lambda f, t: f if f in t else ""),
    "subst": lambda make, args: (make.expand(",".join(args[2:])).replace(
        make.expand(args[0]), make.expand(args[1])) if len(args) >= 3 else ""),
    "patsubst": lambda make, args: (" ".join(
        _patsubst_word(make.expand(args[0]).strip(), make.expand(args[1]).strip(), w)
        for w in make.expand(",".join(args[2:])).split()) if len(args) >= 3 else ""),
}
