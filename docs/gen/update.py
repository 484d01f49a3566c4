#!/usr/bin/env python3
"""Refresh the generated blocks in docs/*.md from the programs in docs/gen.

Every SQL statement, DDL text, error message and observed result in the pages comes from
running these programs, never from typing it:

  sql.cpp             typedao::sql::<op><...>() and database<...>::schema_sql()   (no server)
  dao.cpp             every DAO operation against a server, with what came back
  errors.cpp          every error typedao produces, field by field
  rules.cpp           every schema rule's message, and the SQL an update with rules sends
  types.cpp           every column type: DDL, a round trip, the checks before sending
  readme_example.cpp  the example of docs/README.md and README.md, and its output

A page marks a generated block like this (LANG is the fence's language; "md" inserts the text
as it is, without a fence, for tables the programs print):

  <!-- gen:KEY LANG -->
  ```LANG
  ...
  ```
  <!-- /gen -->

Usage (from the repository root):
  docs/gen/update.py          rebuild, run, rewrite the pages (and README.md's marked blocks)
  docs/gen/update.py --check  exit 1 if a page is out of date (rewrites nothing)

Environment: CXX (default g++), PG_TMP (default scripts/pg-tmp). The server programs run under
`scripts/pg-tmp run --` (a throwaway cluster, or TYPEDAO_TEST_DSN's server).

It also checks that every compile-time message quoted in the pages (a backquoted text starting
with `typedao::<api>: `) is still, verbatim, a string in include/typedao.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = os.path.join(ROOT, "docs")
GEN = os.path.join(DOCS, "gen")
PAGES_SKIP = {"benchmarks.md"}  # written by the benchmark engineer
PROGRAMS = [("sql", False), ("dao", True), ("errors", True), ("rules", True), ("types", True),
            ("readme_example", True)]
EXTRA_LIBS = {"types": ["-lboost_json"]}
# Source files shown as they are (block "<file name>").
FILES = ["ipv4.hpp", "logging.hpp"]
# Programs whose whole output is one block, "<name>.out"; their source is the block "<name>.cpp".
RAW = {"readme_example"}

MARK = re.compile(r"^<!-- gen:(\S+) (\S+) -->\n.*?^<!-- /gen -->\n", re.S | re.M)
BLOCK = re.compile(r"^<<<(.+?)>>>\n(.*?)^<<<end>>>\n", re.S | re.M)


def pg_include():
    try:
        return subprocess.check_output(["pg_config", "--includedir"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "/usr/include/postgresql"


def build_and_run(tmp):
    cxx = os.environ.get("CXX", "g++")
    pg_tmp = os.environ.get("PG_TMP", os.path.join(ROOT, "scripts", "pg-tmp"))
    blocks = {}
    for name, needs_server in PROGRAMS:
        exe = os.path.join(tmp, name)
        cmd = [cxx, "-std=c++20", "-O0", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
               "-I" + os.path.join(ROOT, "include"), "-I" + pg_include(),
               os.path.join(GEN, name + ".cpp"), "-o", exe, "-lpq"] + EXTRA_LIBS.get(name, [])
        print("build", name, file=sys.stderr)
        subprocess.run(cmd, check=True)
        run = [pg_tmp, "run", "--", exe] if needs_server else [exe]
        print("run  ", name, file=sys.stderr)
        out = subprocess.run(run, check=True, stdout=subprocess.PIPE, text=True).stdout
        if name in RAW:
            with open(os.path.join(GEN, name + ".cpp")) as f:
                blocks[name + ".cpp"] = f.read()
            blocks[name + ".out"] = out
            continue
        for key, text in BLOCK.findall(out):
            if key in blocks:
                sys.exit(f"update.py: block {key} printed twice")
            blocks[key] = text
    for name in FILES:
        with open(os.path.join(GEN, name)) as f:
            blocks[name] = f.read()
    if "fatal" in blocks:
        sys.exit("update.py: a program failed: " + blocks["fatal"])
    bad = [k for k, t in blocks.items() if "UNEXPECTED SUCCESS" in t]
    if bad:
        sys.exit("update.py: expected an error, got success: " + ", ".join(bad))
    return blocks


def fill(text, blocks, page, used):
    missing = []

    def repl(m):
        key, lang = m.group(1), m.group(2)
        if key not in blocks:
            missing.append(key)
            return m.group(0)
        used.add(key)
        body = blocks[key]
        if not body.endswith("\n"):
            body += "\n"
        if lang == "md":  # Markdown printed by the program (a table), inserted as it is
            return f"<!-- gen:{key} {lang} -->\n{body}<!-- /gen -->\n"
        return f"<!-- gen:{key} {lang} -->\n```{lang}\n{body}```\n<!-- /gen -->\n"

    out = MARK.sub(repl, text)
    if missing:
        sys.exit(f"update.py: {page}: no program prints " + ", ".join(missing))
    return out


def header_strings():
    text = ""
    for h in glob.glob(os.path.join(ROOT, "include", "typedao", "**", "*.hpp"), recursive=True):
        with open(h) as f:
            text += f.read() + "\n"
    # Join adjacent literals ("a " "b" -> "a b"), then collect every literal.
    literal = r'"(?:[^"\\\n]|\\.)*"'
    joined = re.sub(literal + r"(?:\s*" + literal + r")+",
                    lambda m: '"' + "".join(re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))) + '"', text)
    return [s.replace('\\"', '"') for s in re.findall(r'"((?:[^"\\\n]|\\.)*)"', joined)]


# Pages whose quoted compile-time messages are checked against the headers.
MESSAGE_PAGES = ["entities.md", "rules.md", "types.md", "errors.md", "dao.md", "limitations.md"]


def check_compile_messages():
    strings = header_strings()
    stale = []
    for name in MESSAGE_PAGES:
        page = os.path.join(DOCS, name)
        if not os.path.exists(page):
            continue
        with open(page) as f:
            text = f.read()
        # Only hand-written text: generated blocks come from the programs.
        text = MARK.sub("", text)
        for msg in re.findall(r"`(typedao::[a-z_:]+: [^`]+)`", text):
            msg = msg.rstrip(". ").removesuffix("...").rstrip(". ")
            if not any(msg in s for s in strings):
                stale.append(name + ": " + msg)
    return stale


def main():
    check = "--check" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        blocks = build_and_run(tmp)
    used = set()
    changed = []
    pages = sorted(glob.glob(os.path.join(DOCS, "*.md"))) + [os.path.join(ROOT, "README.md")]
    for page in pages:
        if os.path.basename(page) in PAGES_SKIP:
            continue
        with open(page) as f:
            old = f.read()
        new = fill(old, blocks, os.path.relpath(page, ROOT), used)
        if new != old:
            changed.append(os.path.relpath(page, ROOT))
            if not check:
                with open(page, "w") as f:
                    f.write(new)
    stale = check_compile_messages()
    for msg in stale:
        print("update.py: a page quotes a message no header has: " + msg, file=sys.stderr)
    unused = sorted(k for k in blocks if k not in used and not k.endswith(".call") and not k.endswith(".cpp") and k not in FILES)
    if unused:
        print("update.py: printed but not shown: " + ", ".join(unused), file=sys.stderr)
    if changed:
        print(("out of date: " if check else "updated: ") + ", ".join(changed), file=sys.stderr)
    if stale or (check and changed):
        sys.exit(1)


if __name__ == "__main__":
    main()
