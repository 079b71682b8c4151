"""Syntax-aware chunking of source code, per language and per rule."""

from __future__ import annotations

import textwrap

import pytest

from server.indexing.chunking import chunk_file
from tests.indexing.chunking.checks import by_symbol, check_chunks, chunk, fixture_text

FIXTURES = {
    "inventory.py": "python",
    "shapes.js": "javascript",
    "api.ts": "typescript",
    "Button.tsx": "tsx",
    "server.go": "go",
    "lib.rs": "rust",
    "OrderService.java": "java",
    "ringbuf.c": "c",
    "matrix.cpp": "cpp",
    "Cart.cs": "csharp",
    "bank.rb": "ruby",
    "Router.php": "php",
    "deploy.sh": "bash",
    "guide.md": "markdown",
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
@pytest.mark.parametrize("budget", [256, 128, 64, 40])
def test_every_fixture_keeps_the_invariants(name: str, budget: int, counter) -> None:
    text = fixture_text(name)
    chunks = chunk(f"src/{name}", text, counter, budget)
    assert chunks
    assert {c.language for c in chunks} == {FIXTURES[name]}


# -- per language, at the default budget ---------------------------------------------------


def test_python(counter) -> None:
    chunks = chunk("inventory.py", fixture_text("inventory.py"), counter)
    s = by_symbol(chunks)
    assert s["Item"].kind == "class"
    assert s["Item"].text.startswith("@dataclass\nclass Item:")  # decorator kept
    assert s["retry"].kind == "function"
    assert "def inner(*args, **kwargs):" in s["retry"].text  # nested functions stay inside
    assert s["Inventory"].kind == "class_header"
    assert s["Inventory.add"].kind == "method"
    assert s["Inventory.sync"].text.startswith("    @retry(times=3)\n    def sync(")
    assert s["Inventory.sync"].embed_text.startswith(
        "# inventory.py: Inventory.sync (method)\n    @retry"
    )
    parts = [c for c in chunks if c.symbol == "plan_reorders"]
    assert len(parts) >= 2 and {c.kind for c in parts} == {"function_part"}
    modules = [c for c in chunks if c.kind == "module"]
    assert modules[0].start_line == 1 and "MAX_BATCH = 500" in modules[0].text
    assert modules[-1].text.startswith('if __name__ == "__main__":')


def test_javascript(counter) -> None:
    chunks = chunk("shapes.js", fixture_text("shapes.js"), counter)
    s = by_symbol(chunks)
    assert s["Shape"].kind == "class"
    assert s["Shape"].text.startswith("/**\n * A drawable shape")  # JSDoc kept with class
    assert s["Circle"].kind == "class"
    assert s["boundingBox"].kind == "function"  # const arrow function
    assert s["boundingBox"].text.startswith("export const boundingBox")
    assert s["renderAll"].kind == "function"
    assert chunks[0].kind == "module" and 'import { clamp } from "./math.js";' in chunks[0].text


def test_javascript_class_split(counter) -> None:
    chunks = chunk("shapes.js", fixture_text("shapes.js"), counter, budget=80)
    s = by_symbol(chunks)
    assert s["Shape"].kind == "class_header"
    assert s["Shape.constructor"].kind == "method"
    assert s["Shape.moveBy"].text.strip().startswith("moveBy(dx, dy) {")
    assert s["Circle.area"].kind == "method"


def test_typescript(counter) -> None:
    chunks = chunk("api.ts", fixture_text("api.ts"), counter)
    s = by_symbol(chunks)
    assert s["User"].kind == "interface"
    assert s["Role"].kind == "enum"
    assert s["UserService"].kind == "class"
    assert s["isAdmin"].kind == "function"
    small = by_symbol(chunk("api.ts", fixture_text("api.ts"), counter, budget=80))
    assert small["UserService"].kind == "class_header"
    assert "UserService.constructor" in small
    assert any(sym.startswith("UserService.get") for sym in small)


def test_tsx(counter) -> None:
    chunks = chunk("Button.tsx", fixture_text("Button.tsx"), counter)
    s = by_symbol(chunks)
    assert s["Button"].kind == "function"
    assert "<button" in s["Button"].text
    assert s["Toolbar"].kind == "function"
    assert chunks[0].kind == "module" and "import React" in chunks[0].text
    assert s["ButtonProps"].kind == "type"  # a type alias is a named chunk


def test_go(counter) -> None:
    chunks = chunk("kv/server.go", fixture_text("server.go"), counter)
    s = by_symbol(chunks)
    assert s["Store"].kind == "type"
    assert s["Store"].text.startswith("// Store is a concurrency-safe")
    assert s["NewStore"].kind == "function"
    assert s["Store.Get"].kind == "method"  # receiver type qualifies the method
    assert s["Store.Get"].text.startswith("// Get returns")
    assert s["Store.Put"].end_line == len(fixture_text("server.go").rstrip("\n").split("\n"))


def test_rust(counter) -> None:
    chunks = chunk("src/lib.rs", fixture_text("lib.rs"), counter)
    s = by_symbol(chunks)
    token = [c for c in chunks if c.symbol == "Token"]
    assert [c.kind for c in token] == ["enum", "impl"]
    assert token[0].text.startswith("/// A token produced by the lexer.\n#[derive(")
    assert s["Lexer"].kind in ("struct", "impl")
    assert s["count_idents"].kind == "function"
    small = by_symbol(chunk("src/lib.rs", fixture_text("lib.rs"), counter, budget=80))
    assert small["Lexer.new"].kind == "method"
    assert small["Lexer.new"].text.strip().startswith("/// Creates a lexer")
    assert "Lexer.next_token" in small


def test_java(counter) -> None:
    text = fixture_text("OrderService.java")
    chunks = chunk("OrderService.java", text, counter, budget=128)
    s = by_symbol(chunks)
    assert s["OrderService"].kind == "class_header"
    assert s["OrderService"].text.startswith("/**\n * Places and cancels orders.")
    assert "# members:" in s["OrderService"].embed_text
    assert "public boolean cancel(Order order) {" in s["OrderService"].embed_text
    assert s["OrderService.cancel"].kind == "method"
    assert s["OrderService.count"].kind == "method"
    place = [c for c in chunks if c.symbol == "OrderService.place"]
    assert place[0].text.strip().startswith("/** Charges the customer")
    assert "@Transactional" in place[0].text


def test_c(counter) -> None:
    chunks = chunk("ringbuf.c", fixture_text("ringbuf.c"), counter)
    s = by_symbol(chunks)
    assert s["ringbuf"].kind == "struct"
    assert s["ringbuf_new"].kind == "function"  # found inside the #ifndef guard
    assert s["ringbuf_new"].text.startswith("/* Allocates a ring buffer")
    assert s["ringbuf_push"].kind == "function"
    assert s["ringbuf_free"].kind == "function"


def test_cpp(counter) -> None:
    chunks = chunk("matrix.cpp", fixture_text("matrix.cpp"), counter)
    s = by_symbol(chunks)
    assert s["Matrix"].kind == "class"
    assert s["Matrix"].text.startswith("// Dense row-major matrix.\ntemplate <typename T>")
    assert s["Matrix.operator*"].kind == "method"  # out-of-class definition
    assert s["trace"].kind == "function"
    small_chunks = chunk("matrix.cpp", fixture_text("matrix.cpp"), counter, budget=80)
    small = by_symbol(small_chunks)
    assert [c.kind for c in small_chunks if c.symbol == "Matrix"][0] == "class_header"
    assert small["Matrix.at"].kind == "method"
    assert small["Matrix.rows"].kind == "method"


def test_csharp(counter) -> None:
    chunks = chunk("Cart.cs", fixture_text("Cart.cs"), counter, budget=100)
    s = by_symbol(chunks)
    assert s["Shop.Checkout"].kind == "class_header"
    assert s["Cart"].kind == "class_header"
    assert s["Cart.Empty"].kind == "method"
    assert s["Cart.Empty"].text.strip().startswith('[Obsolete("Use Clear")]')
    assert s["CartLine"].kind == "class"  # namespaces do not qualify their classes
    assert "Cart.Add" in s


def test_ruby(counter) -> None:
    chunks = chunk("bank.rb", fixture_text("bank.rb"), counter, budget=80)
    s = by_symbol(chunks)
    assert s["Bank"].kind == "class_header"
    assert s["Bank.Account"].kind == "class_header"
    assert s["Bank.Account.deposit"].kind == "method"
    assert s["Bank.Account.deposit"].text.strip().endswith("end")
    assert s["Bank.Account.open"].text.strip().startswith("def self.open(owner)")
    whole = by_symbol(chunk("bank.rb", fixture_text("bank.rb"), counter))
    assert whole["Bank"].kind == "class"


def test_php(counter) -> None:
    chunks = chunk("Router.php", fixture_text("Router.php"), counter, budget=80)
    s = by_symbol(chunks)
    assert chunks[0].text.startswith("<?php")
    assert s["Router"].kind == "class_header"
    assert s["Router.get"].kind == "method"
    assert any(c.symbol == "Router.dispatch" for c in chunks)
    assert s["route_url"].kind == "function"


def test_bash(counter) -> None:
    chunks = chunk("deploy.sh", fixture_text("deploy.sh"), counter)
    s = by_symbol(chunks)
    assert chunks[0].kind == "module" and chunks[0].text.startswith("#!/usr/bin/env bash")
    assert s["log"].kind == "function"
    assert s["log"].text.startswith("# Print a message")
    assert s["deploy"].kind == "function"
    assert chunks[-1].kind == "module" and chunks[-1].text.endswith('log "done"')


# -- rules -----------------------------------------------------------------------------------


def _big_class(methods: int = 12) -> str:
    out = ["class Repository:", '    """Stores records."""', "", "    table = 'records'", ""]
    for i in range(methods):
        out += [
            f"    def fetch_{i}(self, key, default=None):",
            f'        """Fetch record number {i} by key."""',
            f"        row = self.db.execute('select * from t{i} where k = ?', (key,))",
            "        return row.fetchone() or default",
            "",
        ]
    return "\n".join(out) + "\n"


def test_large_class_gives_header_and_methods(counter) -> None:
    text = _big_class()
    chunks = chunk("repo.py", text, counter, budget=128)
    header = chunks[0]
    assert header.kind == "class_header" and header.symbol == "Repository"
    assert header.text.startswith("class Repository:")
    assert "table = 'records'" in header.text
    assert "# members:" in header.embed_text
    assert "def fetch_0(self, key, default=None):" in header.embed_text
    methods = [c for c in chunks if c.kind == "method"]
    assert [c.symbol for c in methods] == [f"Repository.fetch_{i}" for i in range(12)]
    for i, m in enumerate(methods):
        assert m.text.strip().startswith(f"def fetch_{i}(")
        assert m.embed_text.startswith(f"# repo.py: Repository.fetch_{i} (method)\n")


def test_large_function_splits_at_statements(counter) -> None:
    body = "\n".join(
        f"    total_{i} = compute_value(items[{i}], weight={i}, scale=factor) + offset"
        for i in range(40)
    )
    text = f"def summarize(items, factor, offset):\n{body}\n    return total_0\n"
    chunks = chunk("calc.py", text, counter, budget=128)
    assert len(chunks) > 2
    assert {c.kind for c in chunks} == {"function_part"}
    assert {c.symbol for c in chunks} == {"summarize"}
    for c in chunks:  # each part names the function's signature in its header
        assert c.embed_text.startswith(
            "# calc.py: summarize (function_part)\ndef summarize(items, factor, offset):\n"
        )
        for line in c.text.split("\n"):  # statements are never cut in half
            assert line.startswith(("def summarize", "    total_", "    return"))
    assert chunks[0].start_line == 1
    assert chunks[-1].text.endswith("    return total_0")
    starts = [c.start_line for c in chunks]
    ends = [c.end_line for c in chunks]
    assert all(e + 1 == s for e, s in zip(ends, starts[1:], strict=False))  # no overlap


def test_large_brace_function_keeps_closing_brace(counter) -> None:
    stmts = "\n".join(f"    results.push(transform(input[{i}], options, {i}));" for i in range(40))
    head = "function transformAll(input, options) {\n  const results = [];\n"
    text = f"{head}{stmts}\n  return results;\n}}\n"
    chunks = chunk("t.js", text, counter, budget=100)
    assert {c.kind for c in chunks} == {"function_part"}
    assert chunks[-1].text.endswith("  return results;\n}")


def test_small_top_level_pieces_merge(counter) -> None:
    text = textwrap.dedent(
        """\
        import os
        import sys

        VERSION = "1.2"
        DEBUG = os.environ.get("DEBUG") == "1"


        def main():
            return 0


        CONFIG = {"retries": 3}
        TIMEOUT = 30
        """
    )
    chunks = chunk("app.py", text, counter)
    assert [(c.kind, c.start_line, c.end_line) for c in chunks] == [
        ("module", 1, 5),
        ("function", 8, 9),
        ("module", 12, 13),
    ]
    assert chunks[0].symbol == ""
    assert chunks[0].embed_text.startswith("# app.py (module)\nimport os")


def test_module_pieces_split_when_too_many(counter) -> None:
    text = "\n".join(f"SETTING_{i} = load_setting('setting_{i}', default={i})" for i in range(60))
    chunks = chunk("settings.py", text + "\n", counter, budget=96)
    assert len(chunks) > 3
    assert {c.kind for c in chunks} == {"module"}


def test_decorators_and_comments_stay_with_their_function(counter) -> None:
    text = textwrap.dedent(
        """\
        import functools

        # Cache the expensive lookup.
        @functools.lru_cache(maxsize=128)
        @traced("lookup")
        def lookup(key):
            return expensive(key)
        """
    )
    chunks = chunk("cache.py", text, counter)
    fn = by_symbol(chunks)["lookup"]
    assert fn.kind == "function"
    assert fn.start_line == 3
    assert fn.text.startswith("# Cache the expensive lookup.\n@functools.lru_cache(maxsize=128)")
    assert chunks[0].text == "import functools"


def test_nested_function_split_when_parent_too_large(counter) -> None:
    inner = "\n".join(f"        acc.append(step_{i}(value))" for i in range(30))
    text = f"def outer(values):\n    acc = []\n    def helper(value):\n{inner}\n    return helper\n"
    chunks = chunk("nest.py", text, counter, budget=96)
    assert {c.symbol for c in chunks} == {"outer"}
    assert {c.kind for c in chunks} == {"function_part"}


def test_broken_code_falls_back_to_line_windows(counter) -> None:
    garbage = "\n".join(f"}}}} ))) (( {i} ]] class def :: @@ -> else:" for i in range(40))
    text = "def ok():\n    return 1\n" + garbage + "\n"
    chunks = chunk("broken.py", text, counter, budget=96)
    assert {c.kind for c in chunks} == {"lines"}
    assert len(chunks) > 1


def test_local_syntax_error_keeps_structure(counter) -> None:
    text = "import os\n\ndef f(:\n    pass\n\ndef g():\n    return 2\n"
    chunks = chunk("partly.py", text, counter)
    assert by_symbol(chunks)["g"].kind == "function"


def test_over_long_line_is_cut(counter) -> None:
    data = ", ".join(f'"item_{i}": {i}' for i in range(400))
    text = f"import json\n\nTABLE = {{{data}}}\n\ndef f():\n    return TABLE\n"
    chunks = chunk("table.py", text, counter, budget=128)
    pieces = [c for c in chunks if c.start_line == 3]
    assert len(pieces) > 3
    assert "".join(c.text for c in pieces) == text.split("\n")[2]
    assert by_symbol(chunks)["f"].kind == "function"


def test_minified_javascript(counter) -> None:
    text = ";".join(f"var a{i}=function(b){{return b*{i}+c[{i}]}}" for i in range(300)) + "\n"
    chunks = chunk("app.min.js", text, counter, budget=128)
    assert len(chunks) > 5
    assert "".join(c.text for c in chunks) == text.rstrip("\n")


def test_non_additive_counter_is_still_within_budget() -> None:
    # a counter for which the sum of line counts underestimates the whole text
    def count(text: str) -> int:
        return len(text) // 3 + text.count("\n") * 4

    text = fixture_text("inventory.py")
    chunks = chunk_file("inventory.py", text, budget=128, count_tokens=count)
    check_chunks(chunks, "inventory.py", text, 128, count)
    assert any(c.kind == "method" for c in chunks)


def test_counts_sparingly(counter) -> None:
    calls = 0

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return counter(text)

    counting.line_additive = True  # type: ignore[attr-defined]
    text = fixture_text("inventory.py")
    lines = text.count("\n")
    chunk_file("inventory.py", text, budget=256, count_tokens=counting)
    assert calls < lines  # at most one count per line, none for what obviously fits


def test_empty_and_blank_files(counter) -> None:
    assert chunk_file("e.py", "", budget=256, count_tokens=counter) == []
    assert chunk_file("e.py", "\n\n   \n", budget=256, count_tokens=counter) == []


def test_crlf_line_endings(counter) -> None:
    text = "def a():\r\n    return 1\r\n\r\ndef b():\r\n    return 2\r\n"
    chunks = chunk("crlf.py", text, counter)
    assert [c.symbol for c in chunks] == ["a", "b"]
    assert chunks[1].start_line == 4


def test_ids_are_stable(counter) -> None:
    text = fixture_text("server.go")
    first = chunk_file("server.go", text, budget=256, count_tokens=counter)
    again = chunk_file("server.go", text, budget=256, count_tokens=counter)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)


def test_budget_too_small(counter) -> None:
    with pytest.raises(ValueError):
        chunk_file("a.py", "x = 1\n", budget=10, count_tokens=counter)


def test_deeply_nested_code_falls_back_to_lines(counter) -> None:
    deep = "#ifdef A\n" * 1500 + "int x;\n" + "#endif\n" * 1500
    chunks = chunk("gen.c", deep, counter, budget=64)
    assert {c.kind for c in chunks} == {"lines"}


def test_deeply_nested_value_is_cut_without_recursion(counter) -> None:
    deep = "data = " + "[\n" * 1500 + "1" + "]\n" * 1500
    chunks = chunk("gen.py", deep, counter, budget=64)
    assert {(c.symbol, c.kind) for c in chunks} == {("data", "variable")}
