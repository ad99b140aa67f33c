#!/usr/bin/env python3
"""The checks that keep the house in order (issue 15), run by `./bursar test`
as the `house` group (tools/run_all.py) on the tree, and on made-up trees to
show each can fail:

  dependencies  the dependency rule (docs/architecture.md): mapdb/ and kheap/
                include nothing outside themselves and the freestanding
                standard headers; lib/ nothing but itself and include/bursar/;
                kernel/ no arch/ header, neither by name nor through an include
                path (only the two thread switches, ipc_fastpath.c and
                scheduler.c, have the arch's inline folder on their path, and
                only they include kernel/machine_fast.h, machine_fpu.h); user code
                (libl4/, demo/, servers/, apps/, the user tests, the in-VM
                benchmarks) only include/bursar/, libl4/, lib/ and its own files
  citations     every repository path, every file name and every function()
                the docs and the code comments cite exists
  images        no symbol of the test framework (lib/test.c) or of the
                kernel-test code (test/vm/, test/selftest/) is in a production
                kernel image

    tools/house_check.py [dependencies|citations|images ...] [--root DIR]
prints one line per problem and exits 1 if there is any.
"""
import argparse
import io
import os
import re
import subprocess
import sys
import tokenize

import toolchain

# The C standard's freestanding headers: all that mapdb/, kheap/ and lib/ may take from outside.
FREESTANDING = {"float.h", "iso646.h", "limits.h", "stdalign.h", "stdarg.h", "stdbool.h", "stddef.h",
                "stdint.h", "stdnoreturn.h"}
USER_FOLDERS = ["libl4", "demo", "servers", "apps", "test/vm/user", "test/systems", "test/loader", "bench/vm"]
USER_MAY_NOT = ("kernel", "arch", "mapdb", "kheap")
# The seams: the kernel headers that reach the arch's inline operations through an include path,
# the one file each of them includes that way, and the kernel files that may include each header.
SEAMS = {
    "kernel/machine_fast.h": ("machine_fast_inline.h", {"kernel/ipc_fastpath.c"}),
    "kernel/machine_fpu.h": ("machine_fpu_inline.h", {"kernel/ipc_fastpath.c", "kernel/scheduler.c",
                                                      "kernel/machine_fast.h"}),
}
# The lists of kernel/SConscript compiled with the arch's inline folder on the include path, and their files.
SWITCH_LISTS = {"fast_path": ["ipc_fastpath.c"], "thread_switch": ["scheduler.c"]}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SOURCE_ENDINGS = (".c", ".h", ".S")
PRODUCTION_IMAGES = ["bursar.elf", "bursar-slowpath.elf", "bursar-global.elf"]


def files_under(root, folder, endings=SOURCE_ENDINGS):
    """Paths relative to root of the files under folder (recursively) with one of the endings."""
    found = []
    for directory, subdirectories, names in os.walk(os.path.join(root, folder)):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found += [os.path.relpath(os.path.join(directory, n), root) for n in sorted(names) if n.endswith(endings)]
    return found


def read(root, path):
    with open(os.path.join(root, path), errors="replace") as f:
        return f.read()


def includes(root, path):
    """(kind, name) of each #include in the file: kind '<' or '"'."""
    return INCLUDE.findall(read(root, path))


def resolve(root, path, name, search):
    """Where a quoted include lands: the including file's folder first, then each folder of `search`
    (relative to root), as the compiler looks. None when it lands nowhere."""
    for folder in [os.path.dirname(path)] + list(search):
        candidate = os.path.normpath(os.path.join(folder, name))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def top(path):
    return path.split(os.sep)[0]


def library_problems(root, folder, allowed_tops):
    """A library's files include only the freestanding headers and files under allowed_tops."""
    problems = []
    for path in files_under(root, folder):
        for kind, name in includes(root, path):
            if kind == "<":
                if name not in FREESTANDING:
                    problems.append("%s: includes <%s>, not a freestanding standard header" % (path, name))
                continue
            landed = resolve(root, path, name, [".", "include"])
            if landed is None or not any(landed.startswith(t + os.sep) for t in allowed_tops):
                problems.append("%s: includes \"%s\" (%s), outside %s" %
                                (path, name, landed or "nowhere", " and ".join(t + "/" for t in allowed_tops)))
    return problems


def kernel_include_path_problems(root):
    """No arch/ folder on the kernel's include path in SConstruct: only an environment made for the
    thread switches gets the arch's inline folder, it (and its clones) compile only kernel/SConscript's
    thread-switch lists, and those lists hold exactly the files SWITCH_LISTS names."""
    problems = []
    sconstruct = read(root, "SConstruct")
    for env, paths in re.findall(r"(\w+)\s*=\s*Environment\((?:[^()]|\([^()]*\))*?CPPPATH=\[([^\]]*)\]",
                                 sconstruct, re.S):
        if "arch" in paths:
            problems.append("SConstruct: %s's include path has an arch/ folder: [%s]" % (env, paths.strip()))
    arch_envs = set()
    for env, paths in re.findall(r"(\w+)\.(?:Append|Prepend|Replace)\(CPPPATH=\[([^\]]*)\]", sconstruct):
        if "arch" in paths:
            arch_envs.add(env)
            if env == "kernel_env":
                problems.append("SConstruct: kernel_env gets an arch/ folder on its include path: [%s]" % paths.strip())
    clones = re.findall(r"(\w+)\s*=\s*(\w+)\.Clone\(", sconstruct)
    for _ in clones:
        arch_envs.update(new for new, old in clones if old in arch_envs)
    allowed = {"kernel_parts['%s']" % name for name in SWITCH_LISTS}
    for env, sources in re.findall(r"objects\((\w+),\s*([^,]+),", sconstruct):
        if env in arch_envs and sources.strip() not in allowed:
            problems.append("SConstruct: %s, which has the arch's inline folder, compiles %s" % (env, sources.strip()))
    kernel_script = read(root, "kernel/SConscript")
    for name, files in SWITCH_LISTS.items():
        listed = re.search(r"'%s':\s*\[([^\]]*)\]" % name, kernel_script)
        if not listed or re.findall(r"'([^']+)'", listed.group(1)) != files:
            problems.append("kernel/SConscript: the %s list is not exactly %s" % (name, ", ".join(files)))
    return problems


def kernel_problems(root):
    """kernel/ names no arch/ header and reaches none through an include path but at its seams."""
    problems = kernel_include_path_problems(root)
    for path in files_under(root, "kernel"):
        for kind, name in includes(root, path):
            if kind == "<":
                continue
            if path in SEAMS and name == SEAMS[path][0]:
                continue            # the seam: resolved by the thread switches' own include path
            if name in SEAMS and path not in SEAMS[name][1]:
                problems.append("%s: includes %s, which only %s may" % (path, name, ", ".join(sorted(SEAMS[name][1]))))
            landed = resolve(root, path, name, [".", "include"])
            if landed is None:
                problems.append("%s: includes \"%s\", which lands nowhere on the kernel's include path "
                                "(only an arch/ folder on it would find it)" % (path, name))
            elif top(landed) == "arch":
                problems.append("%s: includes \"%s\", an arch/ header" % (path, name))
    return problems


def user_problems(root):
    """User code includes include/bursar/, libl4/, lib/ and its own files, never the kernel's layers."""
    problems = []
    for folder in USER_FOLDERS:
        for path in files_under(root, folder):
            for kind, name in includes(root, path):
                if kind == "<":
                    continue
                landed = resolve(root, path, name, [".", "include", os.path.join("build", "gen")])
                if landed is None and name.endswith("_idl.h"):
                    continue        # generated from an interface file (build/gen), not built yet
                if landed is None:
                    problems.append("%s: includes \"%s\", which lands nowhere" % (path, name))
                elif top(landed) in USER_MAY_NOT:
                    problems.append("%s: includes \"%s\" (%s): user code may not" % (path, name, landed))
    return problems


def dependency_problems(root):
    return (library_problems(root, "mapdb", ["mapdb"]) + library_problems(root, "kheap", ["kheap"]) +
            library_problems(root, "lib", ["lib", os.path.join("include", "bursar")]) +
            kernel_problems(root) + user_problems(root))


# Citations ------------------------------------------------------------------------------------------

TOP_FOLDERS = ["apps", "arch", "bench", "demo", "docs", "include", "kernel", "kheap", "lib", "libl4", "mapdb",
               "model", "servers", "test", "tools"]
PATH = re.compile(r"(?<![\w./#-])#?((?:%s)/[\w./-]*[\w/])" % "|".join(TOP_FOLDERS))
ABI_PATH = re.compile(r"(?<![\w./-])(bursar/\w+\.h)\b")
FILE_NAME = re.compile(r"(?<![\w./-])([A-Za-z][\w-]*\.(?:c|h|S|py|idl|ld|pml))\b(?![\w/(-])")
FUNCTION = re.compile(r"(?<![\w.>-])([a-z_][a-z0-9_]*[a-z0-9])\(\)")
C_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
C_LITERAL = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
# Names of generated files, cited though they exist only under build/ (pan.c: Spin's verifier).
GENERATED = re.compile(r"^(.*_idl\.h|error_names\.c|\w*symbols0?\.c|pan\.c)$")
# The C library's headers, cited by name.
STANDARD_HEADERS = FREESTANDING | {"stdio.h", "stdlib.h", "string.h", "assert.h", "errno.h", "setjmp.h",
                                   "cmocka.h", "unistd.h"}
# A placeholder in a cited name (NAME.idl, bench/vm/NAME_bench.c): the name stands for many.
PLACEHOLDER = re.compile(r"[A-Z]{3,}")
# Functions cited that the tree uses but does not define or call: the C library and the tools'.
OUTSIDE = {"main", "printf", "memset", "memcpy", "malloc", "free", "abort", "exit", "LLVMFuzzerTestOneInput",
           "sizeof", "offsetof", "setjmp", "longjmp"}


def cited_files(root):
    """The docs whole, and the comments of the code (C, assembly and linker scripts by their comment
    syntax; Python, SCons and the rest of the text files whole, their strings being paths too)."""
    texts = []
    for path in ["README.md"] + files_under(root, "docs", (".md",)):
        if os.path.isfile(os.path.join(root, path)):
            # Fenced blocks are examples (a new program's SConscript, an interface's stubs), not citations.
            texts.append((path, re.sub(r"^```.*?^```", "", read(root, path), flags=re.S | re.M)))
    for folder in TOP_FOLDERS:
        if folder == "docs":
            continue
        for path in files_under(root, folder, (".c", ".h", ".S", ".ld", ".py", ".idl", ".pml", ".system",
                                                "SConscript")):
            text = read(root, path)
            if path.endswith((".c", ".h", ".S", ".ld")):
                text = "\n".join(m.group(0) for m in C_COMMENT.finditer(C_LITERAL.sub('""', text)))
            elif path.endswith((".py", "SConscript")):
                text = python_prose(text)
            texts.append((path, text))
    if os.path.isfile(os.path.join(root, "SConstruct")):
        texts.append(("SConstruct", python_prose(read(root, "SConstruct"))))
    if os.path.isfile(os.path.join(root, "bursar")):
        texts.append(("bursar", "\n".join(re.findall(r"#[^\n]*", read(root, "bursar")))))
    return texts


def python_prose(text):
    """A Python file's comments and docstrings: what it says, not the strings it computes with."""
    prose = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    previous = tokenize.NEWLINE
    for token in tokens:
        if token.type == tokenize.COMMENT:
            prose.append(token.string)
        elif token.type == tokenize.STRING and token.string.lstrip("rbuRBU").startswith(('"""', "'''")) and \
                previous in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            prose.append(token.string)
        if token.type not in (tokenize.COMMENT,):
            previous = token.type
    return "\n".join(prose)


def known_functions(root):
    """Every name the code defines or calls as a function (C with comments and strings out, Python)."""
    names = set()
    for folder in TOP_FOLDERS:
        for path in files_under(root, folder, (".c", ".h", ".S", ".py")):
            text = read(root, path)
            if path.endswith((".c", ".h", ".S")):
                text = C_COMMENT.sub(" ", C_LITERAL.sub('""', text))
            names.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
            names.update(re.findall(r"^\s*([A-Za-z_]\w*):", text, re.M))     # assembly labels
        for path in files_under(root, folder, (".pml",)):
            names.update(re.findall(r"\b(?:inline|proctype)\s+(\w+)\s*\(", read(root, path)))
        for path in files_under(root, folder, (".idl",)):      # operations and their generated stubs
            text = read(root, path)
            interface = re.search(r"^interface\s+(\w+)", text, re.M)
            for operation in re.findall(r"^op\s+(\w+)", text, re.M):
                names.add(operation)
                if interface:
                    names.add("%s_%s" % (interface.group(1), operation))
    if os.path.isfile(os.path.join(root, "bursar")):
        names.update(re.findall(r"^(\w+)\(\)\s*\{", read(root, "bursar"), re.M))
    return names


def known_identifiers(root):
    """Every identifier of the code (C and assembly without comments, Python, interfaces, the model,
    linker scripts, system descriptions, the build), and the prefixes of interfaces' generated names."""
    names, prefixes = set(), set()
    for folder in TOP_FOLDERS:
        for path in files_under(root, folder, (".c", ".h", ".S", ".py", ".idl", ".pml", ".ld", ".system",
                                                "SConscript")):
            text = read(root, path)
            if path.endswith((".c", ".h", ".S")):
                text = C_COMMENT.sub(" ", text)
            names.update(re.findall(r"[A-Za-z_]\w*", text))
            if path.endswith(".idl"):
                prefixes.update(i + "_" for i in re.findall(r"^interface\s+(\w+)", text, re.M))
    for path in ["SConstruct", "bursar"]:
        if os.path.isfile(os.path.join(root, path)):
            names.update(re.findall(r"[A-Za-z_]\w*", read(root, path)))
    return names, tuple(prefixes)


def identifier_problems(root):
    """A name the docs quote as code (`snake_case`) is in the code, in an interface's generated code
    (its prefix), or in an example of the same page (a fenced block)."""
    problems = []
    names, prefixes = known_identifiers(root)
    for path in ["README.md"] + files_under(root, "docs", (".md",)):
        if not os.path.isfile(os.path.join(root, path)):
            continue
        text = read(root, path)
        examples = set(re.findall(r"\w+", " ".join(re.findall(r"^```.*?^```", text, flags=re.S | re.M))))
        prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
        for name in sorted(set(re.findall(r"`([a-z][a-z0-9]*_[a-z0-9_]+)`", prose))):
            if name not in names and name not in examples and not name.startswith(prefixes):
                problems.append("%s: quotes `%s`, which nothing in the code names" % (path, name))
    return problems


def all_names(root):
    names = set()
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".") and
                             os.path.relpath(os.path.join(directory, d), root) != "build"]
        names.update(files)
    return names


def citation_problems(root):
    problems = []
    names = all_names(root)
    functions = known_functions(root)
    for path, text in cited_files(root):
        seen = set()
        for line_number, line in enumerate(text.splitlines(), 1):
            for match in PATH.finditer(line):
                cited = match.group(1).rstrip(".")
                after = line[match.end():match.end() + 1]
                last = cited.rstrip("/").split("/")[-1]
                if after in "*<{" and after or cited in seen or PLACEHOLDER.search(cited) or \
                        GENERATED.match(last) or ("-" in last and "." not in last):
                    continue            # a pattern, a placeholder, a generated file, a test's name (group/a-name)
                seen.add(cited)
                if not os.path.exists(os.path.join(root, cited)):
                    problems.append("%s: cites %s, which does not exist" % (path, cited))
            for cited in ABI_PATH.findall(line):
                if cited not in seen and not os.path.exists(os.path.join(root, "include", cited)):
                    seen.add(cited)
                    problems.append("%s: cites %s, which is not in include/" % (path, cited))
            for cited in FILE_NAME.findall(line):
                if cited in seen or GENERATED.match(cited) or cited in STANDARD_HEADERS or PLACEHOLDER.search(cited):
                    continue
                seen.add(cited)
                if cited not in names:
                    problems.append("%s: cites %s, a file that does not exist" % (path, cited))
            for cited in FUNCTION.findall(line):
                if cited in seen or cited in OUTSIDE:
                    continue
                seen.add(cited)
                if cited not in functions:
                    problems.append("%s: cites %s(), a function nothing defines or calls" % (path, cited))
    return problems + identifier_problems(root)


# Images ---------------------------------------------------------------------------------------------

def defined_symbols(nm, path):
    """The global and local symbols a file defines (nm), text and data."""
    out = subprocess.run([nm, "--defined-only", path], capture_output=True, text=True, check=True).stdout
    return {parts[2] for parts in (line.split() for line in out.splitlines())
            if len(parts) == 3 and parts[1] in "TtDdBbRr"}


def extern_symbols(nm, objects):
    symbols = set()
    for path in objects:
        out = subprocess.run([nm, "--defined-only", "--extern-only", path], capture_output=True, text=True,
                             check=True).stdout
        symbols.update(parts[2] for parts in (line.split() for line in out.splitlines()) if len(parts) == 3)
    return symbols


def object_files(folder):
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".o")] \
        if os.path.isdir(folder) else []


def test_only_symbols(root, nm):
    """The global names the test framework (build/kernel/lib/test.o) and the kernel-test code
    (test/vm/*.o, test/selftest/*.o) define and the kernel's own objects do not (boot_hand_over is
    both: each image links one)."""
    build = os.path.join(root, "build", "kernel")
    tests = extern_symbols(nm, [os.path.join(build, "lib", "test.o")] + object_files(os.path.join(build, "test", "vm")) +
                           object_files(os.path.join(build, "test", "selftest")))
    own = extern_symbols(nm, object_files(os.path.join(build, "kernel")))
    return tests - own


def image_problems(root, images=PRODUCTION_IMAGES):
    nm = toolchain.cross_prefix() + "nm"
    test_only = test_only_symbols(root, nm)
    if not test_only:
        return ["no test-only symbols found (build/kernel/lib/test.o missing: build first)"]
    problems = []
    for image in images:
        path = os.path.join(root, "build", "kernel", image)
        found = sorted(defined_symbols(nm, path) & test_only)
        if found:
            problems.append("build/kernel/%s: test-only symbols %s" % (image, ", ".join(found[:8])))
    return problems


# Made-up trees: a small tree that keeps every rule, and one violation of each, which the checks
# must name (tools/run_all.py's `house` group runs them, so a check that cannot fail is caught).
CLEAN_TREE = {
    "SConstruct": "kernel_env = Environment(\n    CPPPATH=['#', '#include'],\n)\n"
                  "thread_switch_env = kernel_env.Clone()\n"
                  "thread_switch_env.Append(CPPPATH=['#arch/ia32/inline'])\n"
                  "fast_path_env = thread_switch_env.Clone()\n"
                  "kernel = objects(kernel_env, kernel_parts['sources'], 'kernel')\n"
                  "switch = objects(thread_switch_env, kernel_parts['thread_switch'], 'kernel')\n"
                  "fast = objects(fast_path_env, kernel_parts['fast_path'], 'kernel')\n",
    "kernel/SConscript": "result = {'fast_path': [File('ipc_fastpath.c')],\n"
                         "          'thread_switch': [File('scheduler.c')]}\n",
    "include/bursar/abi.h": "/* abi.h — the ABI. */\n",
    "mapdb/mapdb.h": "#include <stdint.h>\n",
    "mapdb/tree.c": "#include \"mapdb/mapdb.h\"\n/* tree.c — see mapdb/mapdb.h and tree_walk(). */\n"
                    "void tree_walk(void) {}\n",
    "kheap/kheap.c": "#include <stddef.h>\n#include \"kheap/kheap.h\"\n",
    "kheap/kheap.h": "\n",
    "lib/format.c": "#include \"lib/format.h\"\n#include \"bursar/abi.h\"\n",
    "lib/format.h": "\n",
    "kernel/machine.h": "#include \"bursar/abi.h\"\n",
    "kernel/machine_fast.h": "#include \"kernel/machine_fpu.h\"\n#include \"machine_fast_inline.h\"\n",
    "kernel/machine_fpu.h": "#include \"kernel/machine.h\"\n#include \"machine_fpu_inline.h\"\n",
    "kernel/ipc_fastpath.c": "#include \"kernel/machine_fast.h\"\n",
    "kernel/scheduler.c": "#include \"kernel/machine_fpu.h\"\n",
    "kernel/thread.c": "#include \"kernel/machine.h\"\n#include \"lib/format.h\"\n",
    "arch/ia32/inline/machine_fast_inline.h": "#include \"arch/ia32/x86.h\"\n",
    "arch/ia32/inline/machine_fpu_inline.h": "\n",
    "arch/ia32/x86.h": "\n",
    "libl4/l4.c": "#include \"bursar/abi.h\"\n#include \"libl4/l4.h\"\n#include \"lib/format.h\"\n",
    "libl4/l4.h": "\n",
    "docs/design.md": "The kernel (`kernel/thread.c`, thread.c) walks trees with tree_walk(); `tree_walk` too.\n",
}
VIOLATIONS = [
    # (name, file, text appended to it, words the problem must contain)
    ("mapdb-includes-the-kernel", "mapdb/tree.c", "#include \"kernel/machine.h\"\n", "mapdb/tree.c: includes"),
    ("kheap-includes-a-hosted-header", "kheap/kheap.c", "#include <stdio.h>\n", "kheap/kheap.c: includes <stdio.h>"),
    ("lib-includes-libl4", "lib/format.c", "#include \"libl4/l4.h\"\n", "lib/format.c: includes"),
    ("kernel-includes-an-arch-header", "kernel/thread.c", "#include \"arch/ia32/x86.h\"\n",
     "an arch/ header"),
    ("kernel-reaches-arch-through-the-include-path", "kernel/thread.c", "#include \"machine_fast_inline.h\"\n",
     "lands nowhere on the kernel's include path"),
    ("kernel-includes-the-fast-path-header", "kernel/thread.c", "#include \"kernel/machine_fast.h\"\n",
     "which only kernel/ipc_fastpath.c may"),
    ("scheduler-reaches-the-fast-path-inline-header", "kernel/scheduler.c", "#include \"machine_fast_inline.h\"\n",
     "kernel/scheduler.c: includes \"machine_fast_inline.h\""),
    ("kernel-sources-compiled-with-the-arch-path", "SConstruct",
     "more = objects(fast_path_env, kernel_parts['sources'], 'kernel')\n", "compiles kernel_parts['sources']"),
    ("kernel-include-path-has-arch", "SConstruct", "kernel_env.Append(CPPPATH=['#arch/ia32/inline'])\n",
     "kernel_env gets an arch/ folder"),
    ("user-code-includes-the-kernel", "libl4/l4.c", "#include \"kernel/machine.h\"\n", "user code may not"),
    ("doc-cites-a-missing-path", "docs/design.md", "See kernel/gone.c.\n", "cites kernel/gone.c"),
    ("comment-cites-a-missing-file", "mapdb/tree.c", "/* as gone_file.c does */\n", "cites gone_file.c"),
    ("comment-cites-a-missing-function", "mapdb/tree.c", "/* then gone_function() */\n", "gone_function()"),
    ("doc-quotes-a-missing-name", "docs/design.md", "`gone_name`\n", "`gone_name`"),
]


def write_tree(directory, violation=None):
    """The clean made-up tree under directory, with one violation (a VIOLATIONS entry) added."""
    for path, text in CLEAN_TREE.items():
        if violation and violation[1] == path:
            text += violation[2]
        os.makedirs(os.path.dirname(os.path.join(directory, path)) or directory, exist_ok=True)
        with open(os.path.join(directory, path), "w") as f:
            f.write(text)


def tree_problems(directory):
    return dependency_problems(directory) + citation_problems(directory)


CHECKS = {"dependencies": dependency_problems, "citations": citation_problems, "images": image_problems}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checks", nargs="*", default=list(CHECKS), help=", ".join(CHECKS))
    parser.add_argument("--root", default=toolchain.ROOT)
    args = parser.parse_args(argv)
    for name in set(args.checks) - set(CHECKS):
        parser.error("no check %r (%s)" % (name, ", ".join(CHECKS)))
    problems = [p for name in args.checks for p in CHECKS[name](args.root)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
