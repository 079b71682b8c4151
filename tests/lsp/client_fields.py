"""What the editor clients read and send, as field names, for checking against the schema.

TypeScript: the fields of each `export interface` in the extension's protocol.ts.
Lua: LuaLS annotations name the protocol type of a value (`---@param result auro.ChatResult`
before a function, `---@type auro.ChatParams` before a `local`); every `name.field` chain
read within that function or block, and the keys of a table constructor assigned to the
annotated local, are the plugin's use of that message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]


# -- the schema ------------------------------------------------------------------------------


def ref_names(prop: Schema) -> list[str]:
    """The definitions a property may hold an object of (through `$ref` and `anyOf`)."""
    if "$ref" in prop:
        return [prop["$ref"].removeprefix("#/$defs/")]
    return [n for option in prop.get("anyOf", []) for n in ref_names(option)]


def unknown_in_chain(defs: Schema, types: list[str], chain: list[str]) -> str | None:
    """The first name of `chain` (a.b.c) that none of `types` declares, or None. A step
    into a property that is not an object type (a map, a list) ends the check."""
    for i, name in enumerate(chain):
        props = [defs[t].get("properties", {}) for t in types]
        holders = [p[name] for p in props if name in p]
        if not holders:
            return ".".join(chain[: i + 1])
        types = [n for prop in holders for n in ref_names(prop)]
        if not types:
            return None
    return None


# -- TypeScript ------------------------------------------------------------------------------


@dataclass
class TsInterface:
    name: str
    fields: dict[str, bool] = field(default_factory=dict)  # name -> optional


INTERFACE = re.compile(r"^export interface (\w+)(?: extends [\w, ]+)? \{", re.M)
TS_FIELD = re.compile(r"^\s*(\w+)(\??):")


def ts_interfaces(source: str) -> dict[str, TsInterface]:
    found: dict[str, TsInterface] = {}
    for match in INTERFACE.finditer(source):
        interface = TsInterface(match.group(1))
        depth = 1
        for line in source[match.end() :].splitlines()[1:]:
            if depth == 1 and (m := TS_FIELD.match(line)):
                interface.fields[m.group(1)] = m.group(2) == "?"
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                break
        found[interface.name] = interface
    return found


def ts_constants(source: str, name: str) -> list[str]:
    """The string values of `export const NAME = { key: 'value', ... }`."""
    block = re.search(rf"export const {name} = \{{(.*?)\}}", source, re.S)
    return re.findall(r"'([^']+)'", block.group(1)) if block else []


def ts_problems(defs: Schema, interfaces: dict[str, TsInterface]) -> list[str]:
    problems = []
    for interface in interfaces.values():
        if interface.name not in defs:
            continue
        body = defs[interface.name]
        props, required = body.get("properties", {}), set(body.get("required", []))
        for name, optional in interface.fields.items():
            if name not in props:
                problems.append(f"{interface.name}.{name}: not in the schema")
            elif not optional and name not in required:
                problems.append(f"{interface.name}.{name}: required here, optional on the wire")
    return problems


# -- Lua -------------------------------------------------------------------------------------


@dataclass
class LuaUse:
    """Where a protocol value is used: its variable, types, and the chains read from it."""

    where: str
    name: str
    types: list[str]
    chains: list[list[str]] = field(default_factory=list)


ANNOTATION = re.compile(r"^(\s*)---@(param|type)\s+(?:(\w+)\s+)?auro\.([\w|.]+)\s*$")
LOCAL = re.compile(r"^\s*local (\w+)\s*=")


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str], start: int, kind: str) -> list[str]:
    """The lines an annotation covers: a function body to its `end`, or the rest of the
    block holding an annotated local."""
    first = lines[start]
    level = indent(first)
    out = [first]
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if kind == "param" and stripped.startswith("end") and indent(line) <= level:
            break
        if kind == "type" and stripped and indent(line) < level:
            break
        out.append(line)
    return out


def _constructor_keys(text: str) -> list[str]:
    """Top-level keys of the first table constructor in `text`."""
    start = text.find("{")
    if start < 0:
        return []
    depth, body = 0, []
    for ch in text[start:]:
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 1 and ch != "{":
            body.append(ch)
        if depth == 0:
            break
    flat = "".join(body)
    return re.findall(r"(?:^|[,\s])(\w+)\s*=(?!=)", flat) + re.findall(
        r"""\[['"](\w+)['"]\]\s*=(?!=)""", flat
    )


def lua_uses(source: str, where: str) -> list[LuaUse]:
    lines = source.splitlines()
    uses = []
    for i, line in enumerate(lines):
        match = ANNOTATION.match(line)
        if not match or i + 1 >= len(lines):
            continue
        kind, name, types = match.group(2), match.group(3), match.group(4)
        target = lines[i + 1]
        if kind == "type":
            local = LOCAL.match(target)
            if local is None:
                continue
            name = local.group(1)
        if name is None:
            continue
        use = LuaUse(f"{where}:{i + 1}", name, types.replace("auro.", "").split("|"))
        block = _block(lines, i + 1, kind)
        text = "\n".join(block)
        access = re.compile(rf"(?<![\w.:]){re.escape(name)}((?:\.\w+|\[['\"]\w+['\"]\])+)")
        for found in access.finditer(text):
            use.chains.append(re.findall(r"\w+", found.group(1)))
        if kind == "type" and "{" in target.split("=", 1)[1]:
            constructor = "\n".join(block)[len(target.split("=", 1)[0]) :]
            use.chains += [[key] for key in _constructor_keys(constructor)]
        uses.append(use)
    return uses


def lua_problems(defs: Schema, uses: list[LuaUse]) -> list[str]:
    problems = []
    for use in uses:
        unknown = [t for t in use.types if t not in defs]
        if unknown:
            problems.append(f"{use.where}: no type {unknown} in the schema")
            continue
        for chain in use.chains:
            if (bad := unknown_in_chain(defs, use.types, chain)) is not None:
                problems.append(f"{use.where}: {use.name}.{bad} is not in {'|'.join(use.types)}")
    return problems
