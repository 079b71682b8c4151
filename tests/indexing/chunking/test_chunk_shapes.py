"""Chunks a developer would want to see, in every language: a large definition splits into
parts that each repeat its signature (and enclosing class) in the embedded text, no part is
a fragment of a few lines, and top-level declarations are named chunks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from server.indexing.chunk import Chunk
from tests.indexing.chunking.checks import by_symbol, chunk

FRAGMENT_LINES = 3


@dataclass(frozen=True)
class LongFunction:
    """A function of `n` one-line statements, too large for one chunk at budget 128."""

    path: str
    head: str  # lines before the statements, the signature line among them
    signature: str
    statement: str  # formatted with i
    tail: str
    symbol: str
    context: str = ""  # the enclosing class line, when the function is a method

    def source(self, n: int = 40) -> str:
        body = "\n".join(self.statement.format(i=i) for i in range(n))
        return f"{self.head}\n{body}\n{self.tail}\n"


LONG_FUNCTIONS = [
    LongFunction(
        "orders.py",
        "def summarize_orders(orders, region):\n    total = 0",
        "def summarize_orders(orders, region):",
        "    total += weigh_item_{i}(orders, region, {i})",
        "    return total",
        "summarize_orders",
    ),
    LongFunction(
        "orders.js",
        "function summarizeOrders(orders, region) {\n  let total = 0;",
        "function summarizeOrders(orders, region) {",
        "  total += weighItem{i}(orders, region, {i});",
        "  return total;\n}",
        "summarizeOrders",
    ),
    LongFunction(
        "orders.ts",
        "export function summarizeOrders(orders: Order[], region: string): number {\n"
        "  let total = 0;",
        "export function summarizeOrders(orders: Order[], region: string): number {",
        "  total += weighItem{i}(orders, region, {i});",
        "  return total;\n}",
        "summarizeOrders",
    ),
    LongFunction(
        "Orders.tsx",
        "export const OrderTotal = ({ orders }: Props) => {\n  let total = 0;",
        "export const OrderTotal = ({ orders }: Props) => {",
        "  total += weighItem{i}(orders, {i});",
        "  return <span>{total}</span>;\n};",
        "OrderTotal",
    ),
    LongFunction(
        "orders.go",
        "package orders\n\nfunc SummarizeOrders(orders []Order, region string) int {\n\ttotal := 0",
        "func SummarizeOrders(orders []Order, region string) int {",
        "\ttotal += weighItem{i}(orders, region, {i})",
        "\treturn total\n}",
        "SummarizeOrders",
    ),
    LongFunction(
        "orders.rs",
        "pub fn summarize_orders(orders: &[Order], region: &str) -> u64 {\n    let mut total = 0;",
        "pub fn summarize_orders(orders: &[Order], region: &str) -> u64 {",
        "    total += weigh_item_{i}(orders, region, {i});",
        "    total\n}",
        "summarize_orders",
    ),
    LongFunction(
        "Orders.java",
        "class Orders {\n    public int summarizeOrders(List<Order> orders, String region) {\n"
        "        int total = 0;",
        "public int summarizeOrders(List<Order> orders, String region) {",
        "        total += weighItem{i}(orders, region, {i});",
        "        return total;\n    }\n}",
        "Orders.summarizeOrders",
        "class Orders {",
    ),
    LongFunction(
        "orders.c",
        "int summarize_orders(const struct order *orders, const char *region) {\n"
        "    int total = 0;",
        "int summarize_orders(const struct order *orders, const char *region) {",
        "    total += weigh_item_{i}(orders, region, {i});",
        "    return total;\n}",
        "summarize_orders",
    ),
    LongFunction(
        "orders.cpp",
        "int summarize_orders(const std::vector<Order>& orders, const std::string& region) {\n"
        "    int total = 0;",
        "int summarize_orders(const std::vector<Order>& orders, const std::string& region) {",
        "    total += weigh_item_{i}(orders, region, {i});",
        "    return total;\n}",
        "summarize_orders",
    ),
    LongFunction(
        "Orders.cs",
        "public class Orders\n{\n"
        "    public int SummarizeOrders(List<Order> orders, string region)\n"
        "    {\n        var total = 0;",
        "public int SummarizeOrders(List<Order> orders, string region)",
        "        total += WeighItem{i}(orders, region, {i});",
        "        return total;\n    }\n}",
        "Orders.SummarizeOrders",
        "public class Orders",
    ),
    LongFunction(
        "orders.rb",
        "def summarize_orders(orders, region)\n  total = 0",
        "def summarize_orders(orders, region)",
        "  total += weigh_item_{i}(orders, region, {i})",
        "  total\nend",
        "summarize_orders",
    ),
    LongFunction(
        "orders.php",
        "<?php\nfunction summarize_orders(array $orders, string $region): int {\n    $total = 0;",
        "function summarize_orders(array $orders, string $region): int {",
        "    $total += weigh_item_{i}($orders, $region, {i});",
        "    return $total;\n}",
        "summarize_orders",
    ),
    LongFunction(
        "orders.sh",
        "summarize_orders() {\n  local total=0",
        "summarize_orders() {",
        '  total=$((total + $(weigh_item_{i} "$1" {i})))',
        '  echo "$total"\n}',
        "summarize_orders",
    ),
]


def _filled(c: Chunk) -> int:
    return sum(1 for line in c.text.split("\n") if line.strip())


def _header(c: Chunk) -> str:
    """What the embedded text adds before the source lines."""
    assert c.embed_text.endswith(c.text)
    return c.embed_text[: len(c.embed_text) - len(c.text)]


@pytest.mark.parametrize("case", LONG_FUNCTIONS, ids=lambda f: f.path)
def test_parts_repeat_the_signature_and_none_is_a_fragment(case: LongFunction, counter) -> None:
    text = case.source()
    chunks = chunk(case.path, text, counter, budget=128)
    parts = [c for c in chunks if c.symbol == case.symbol]
    assert len(parts) >= 3, [(c.symbol, c.kind) for c in chunks]
    assert {c.kind for c in parts} == {"function_part"}
    lines = text.split("\n")
    for c in parts:
        assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])  # the true source
        assert _filled(c) > FRAGMENT_LINES, (c.start_line, c.text)
        if case.signature in c.text:
            assert case.signature not in _header(c)  # said once is enough
        else:
            assert case.signature in _header(c)
        if case.context:
            assert case.context in _header(c)
    # the parts follow each other: the tail (`return total`, the closing brace) is in one
    assert all(b.start_line > a.end_line for a, b in zip(parts, parts[1:], strict=False))
    assert parts[-1].text.rstrip().endswith(case.tail.split("\n")[-1].rstrip())


def test_a_small_tail_joins_its_neighbour(counter) -> None:
    inner = "\n".join(
        f"            value = transform_{i}(value, attempt, options={{'step': {i}}})"
        for i in range(24)
    )
    text = (
        "def retry(times):\n"
        "    def decorate(func):\n"
        "        def wrapper(*args, **kwargs):\n"
        "            value = func(*args, **kwargs)\n"
        f"{inner}\n"
        "            return value\n"
        "        return wrapper\n"
        "    return decorate\n"
    )
    parts = [c for c in chunk("retry.py", text, counter, budget=128) if c.symbol == "retry"]
    assert len(parts) >= 2
    assert all(_filled(c) > FRAGMENT_LINES for c in parts)
    assert parts[-1].text.endswith("        return wrapper\n    return decorate")
    for c in parts[1:]:
        assert _header(c).endswith("def retry(times):\n")


def test_cuts_fall_between_statements_not_inside_a_call(counter) -> None:
    calls = "\n".join(
        f"    client.send(\n        'event_{i}',\n        payload={{'index': {i}}},\n    )"
        for i in range(20)
    )
    text = f"def publish(client):\n{calls}\n"
    parts = [c for c in chunk("publish.py", text, counter, budget=96) if c.symbol == "publish"]
    assert len(parts) >= 3
    for c in parts[1:]:
        assert c.text.startswith("    client.send(")
    for c in parts:
        assert c.text.rstrip().endswith(")")


def test_a_split_class_method_repeats_the_class_line(counter) -> None:
    body = "\n".join(f"        self.total += self.weigh_{i}(order, {i})" for i in range(30))
    text = (
        "class Ledger(Base):\n"
        '    """Keeps running totals."""\n\n'
        "    def record(self, order):\n"
        f"{body}\n"
        "        return self.total\n\n"
        "    def reset(self):\n"
        "        self.total = 0\n"
    )
    chunks = chunk("ledger.py", text, counter, budget=128)
    parts = [c for c in chunks if c.symbol == "Ledger.record"]
    assert len(parts) >= 2 and {c.kind for c in parts} == {"function_part"}
    for c in parts:
        assert _header(c).startswith("# ledger.py: Ledger.record (function_part)\n")
        assert "class Ledger(Base):\n" in _header(c)
    for c in parts[1:]:
        assert _header(c).endswith("class Ledger(Base):\ndef record(self, order):\n")
    assert [c.kind for c in chunks if c.symbol == "Ledger.reset"] == ["method"]


def test_a_unit_that_fits_stays_whole(counter) -> None:
    text = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
    chunks = chunk("ops.py", text, counter)
    assert [(c.symbol, c.kind, c.start_line, c.end_line) for c in chunks] == [
        ("add", "function", 1, 2),
        ("sub", "function", 5, 6),
    ]
    assert chunks[0].embed_text == "# ops.py: add (function)\ndef add(a, b):\n    return a + b"


# -- named top-level declarations, per language ----------------------------------------------

DECLARATIONS = {
    "settings.py": (
        '"""Settings."""\nimport logging\n\n'
        "type Handler = Callable[[Request], Awaitable[Response]]\n\n"
        "DEFAULT_HEADERS = {\n"
        '    "Accept": "application/json",\n'
        '    "User-Agent": "client/1.0",\n'
        "}\n"
        "routes = build_routes(\n    prefix='/api',\n)\n"
        "log = logging.getLogger(__name__)\n",
        {"Handler": "type", "DEFAULT_HEADERS": "const", "routes": "variable"},
    ),
    "router.js": (
        'import express from "express";\n\n'
        "export const defaultOptions = {\n  caseSensitive: false,\n  strict: false,\n};\n"
        "const app = express();\n\n"
        "/**\n * Send a response.\n */\n\n"
        "res.send = function send(body) {\n  this.end(body);\n  return this;\n};\n\n"
        "Router.prototype.route = function route(path) {\n  return new Route(path);\n};\n\n"
        "req.get = req.header = function header(name) {\n  return this.headers[name];\n};\n\n"
        "module.exports = function createApplication() {\n  return app;\n};\n",
        {
            "defaultOptions": "const",
            "res.send": "method",
            "Router.route": "method",
            "req.get": "method",
            "createApplication": "function",
        },
    ),
    "procedure.ts": (
        'import type { AnyProcedure } from "./procedure";\n\n'
        "export type inferProcedureInput<TProcedure extends AnyProcedure> =\n"
        '  undefined extends inferProcedureParams<TProcedure>["$types"]["input"]\n'
        '    ? void | inferProcedureParams<TProcedure>["$types"]["input"]\n'
        '    : inferProcedureParams<TProcedure>["$types"]["input"];\n\n'
        'export type ProcedureType = "query" | "mutation" | "subscription";\n\n'
        "export interface ProcedureOptions {\n  path: string;\n  type: ProcedureType;\n}\n\n"
        "export enum ErrorCode {\n  PARSE_ERROR = -32700,\n  BAD_REQUEST = -32600,\n}\n",
        {
            "inferProcedureInput": "type",
            "ProcedureType": "type",
            "ProcedureOptions": "interface",
            "ErrorCode": "enum",
        },
    ),
    "Card.tsx": (
        'import React from "react";\n\n'
        "type CardProps = { title: string; children: React.ReactNode };\n\n"
        "export const theme = {\n  padding: 8,\n  radius: 4,\n};\n",
        {"CardProps": "type", "theme": "const"},
    ),
    "config.go": (
        "package config\n\ntype Duration int64\n\n"
        "var DefaultConfig = Config{\n\tTimeout: 30,\n\tRetries: 3,\n}\n\n"
        "const (\n\tMaxRetries = 5\n)\n\n"
        'const Version = "1.0"\n',
        {"Duration": "type", "DefaultConfig": "variable", "MaxRetries": "const"},
    ),
    "types.rs": (
        "use std::collections::HashMap;\n\n"
        "pub type Headers = HashMap<String, String>;\n\n"
        "pub const DEFAULT_PORTS: [u16; 3] = [\n    80, 443,\n    8080,\n];\n\n"
        "macro_rules! try_parse {\n    ($e:expr) => { $e.parse().ok() };\n}\n\n"
        "pub struct Config {\n    pub port: u16,\n}\n\n"
        "impl Config {\n    pub fn port(&self) -> u16 { self.port }\n}\n",
        {
            "Headers": "type",
            "DEFAULT_PORTS": "const",
            "try_parse": "macro",
            "Config": "struct",
        },
    ),
    "Status.java": (
        "package shop;\n\npublic enum Status {\n    OPEN,\n    CLOSED;\n}\n\n"
        "interface Priced {\n    long price();\n}\n",
        {"Status": "enum", "Priced": "interface"},
    ),
    "list.h": (
        "#include <stddef.h>\n\n"
        "typedef int (*compare_fn)(const void *a, const void *b);\n\n"
        "#define LIST_MAX(a, b) ((a) > (b) ? (a) : (b))\n#define LIST_CAP 16\n\n"
        "enum list_kind { LIST_ARRAY, LIST_LINKED };\n\n"
        "struct list {\n    size_t len;\n    void **items;\n};\n\n"
        'static const char *list_names[] = {\n    "array",\n    "linked",\n};\n',
        {
            "compare_fn": "type",
            "LIST_MAX": "macro",
            "list_kind": "enum",
            "list": "struct",
            "list_names": "variable",
        },
    ),
    "vec.hpp": (
        "#include <vector>\n\nusing IntVec = std::vector<int>;\n\n"
        "enum class Color { Red, Green };\n\ntypedef unsigned long size_type;\n",
        {"IntVec": "type", "Color": "enum", "size_type": "type"},
    ),
    "Events.cs": (
        "using System;\n\npublic delegate void OrderPlaced(Order order);\n\n"
        "public enum Priority { Low, High }\n\n"
        "public interface IClock { DateTime Now { get; } }\n",
        {"OrderPlaced": "type", "Priority": "enum", "IClock": "interface"},
    ),
    "config.rb": (
        'require "json"\n\nDEFAULTS = {\n  timeout: 30,\n  retries: 3,\n}.freeze\n\n'
        'VERSION = "1.0"\n\nmodule Shop\n  VAT = 0.2\nend\n',
        {"DEFAULTS": "const", "Shop": "class"},
    ),
    "config.php": (
        "<?php\nnamespace App;\n\nconst DEFAULTS = [\n    'timeout' => 30,\n];\n\n"
        "interface Cache {\n    public function get(string $key);\n}\n\n"
        "enum Suit {\n    case Hearts;\n}\n",
        {"DEFAULTS": "const", "Cache": "interface", "Suit": "enum"},
    ),
    "build.sh": (
        "#!/bin/bash\nset -e\n\nTARGETS=(\n  linux\n  darwin\n)\nNAME=app\n",
        {"TARGETS": "variable"},
    ),
}


@pytest.mark.parametrize("name", sorted(DECLARATIONS))
def test_top_level_declarations_are_named_chunks(name: str, counter) -> None:
    text, expected = DECLARATIONS[name]
    chunks = chunk(name, text, counter)
    named = {(c.symbol, c.kind) for c in chunks if c.symbol}
    assert set(expected.items()) <= named, named
    for c in chunks:
        if c.symbol in expected:
            assert c.embed_text.startswith(f"# {name}: {c.symbol} ({c.kind})\n")
    if name == "router.js":  # a doc comment past a blank line stays with what it documents
        assert by_symbol(chunks)["res.send"].text.startswith("/**\n * Send a response.")


def test_one_line_values_stay_in_the_module_chunk(counter) -> None:
    text = (
        "import logging\n\nlog = logging.getLogger(__name__)\nMAX_BATCH = 500\n"
        "__all__ = [\n    'run',\n]\n\n\ndef run():\n    return MAX_BATCH\n"
    )
    chunks = chunk("job.py", text, counter)
    assert [(c.symbol, c.kind) for c in chunks] == [("", "module"), ("run", "function")]


def test_a_doc_comment_is_not_cut_from_its_split_function(counter) -> None:
    body = "\n".join(f"  this.stack.push(layer{i}, path, {{ end: false }});" for i in range(30))
    text = (
        "/**\n * Mount middleware at the given path.\n *\n * @public\n */\n\n"
        f"app.use = function use(fn) {{\n{body}\n  return this;\n}};\n"
    )
    parts = [c for c in chunk("application.js", text, counter, budget=128) if c.symbol == "app.use"]
    assert len(parts) >= 2 and {c.kind for c in parts} == {"function_part"}
    assert parts[0].text.startswith("/**\n * Mount middleware")
    assert "app.use = function use(fn) {" in parts[0].text
    assert all(_filled(c) > FRAGMENT_LINES for c in parts)


def test_a_short_multi_line_signature_is_repeated_whole(counter) -> None:
    body = "\n".join(f"    total += scale_{i}(weight, {i})" for i in range(40))
    head = "def weigh(\n    weight: float,\n    unit: str = 'kg',\n) -> float:"
    text = f"{head}\n{body}\n    return total\n"
    parts = [c for c in chunk("weigh.py", text, counter, budget=128) if c.symbol == "weigh"]
    assert len(parts) >= 3
    for c in parts[1:]:
        assert _header(c).endswith("def weigh(\nweight: float,\nunit: str = 'kg',\n) -> float:\n")
