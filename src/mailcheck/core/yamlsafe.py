"""Reading YAML that nobody vetted: bounded in size, depth, nodes and alias expansion, with the
line of every key and item kept, so errors and findings can point into the file.

Hostile input (huge files, deep nesting, alias bombs) is refused before any Python object is
built from it. Timestamps are not resolved (the caller's model parses dates and names the key
when one is wrong) and only YAML 1.2 booleans are booleans (`NO` stays Norway). Values are what
JSON has: text, numbers, true/false, null, lists and mappings; an explicit tag must fit how its
value is written (`!!int 12`, not `!!int ""`), and any other tag (`!!binary`, `!!set`, `!foo`)
is an input error naming the key.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mailcheck.core.errors import QUOTE_LIMIT, InputError, clip, quote

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000  # 10,000 senders with address and mailing; built in well under a second
MAX_EXPANDED_NODES = 100_000

Loc = tuple[str | int, ...]
"""Where a value sits in the document: `("senders", 0, "address")`; `()` is the whole."""


def dotted_key(loc: Loc) -> str | None:
    """`("senders", 0, "mailing")` -> `"senders[0].mailing"`; the whole sheet -> None. A name
    longer than any sheet key (an unknown one) is cut, as messages quote bad values."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{_cut(part)}" for part in loc)
    return text.removeprefix(".") or None


def read_mapping(
    path: Path, display: str, what: str = "sheet"
) -> tuple[dict[str, Any], dict[Loc, int]]:
    """The YAML mapping in `path` and the 1-based line of every key and list item in it."""
    return parse(decode(read_bounded(path, display, what), display, what), display, what)


# --- reading ---------------------------------------------------------------------------------


def read_bounded(path: Path, display: str, what: str = "sheet") -> bytes:
    """The file's bytes, at most MAX_BYTES; the path `-` reads standard input."""
    too_big = f"the {what} is larger than {MAX_BYTES // 1024} KiB; is this the right file?"
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        elif path.is_dir():
            raise InputError(f"is a directory, not {_a(what)}", file=display)
        elif path.stat().st_size > MAX_BYTES:
            raise InputError(too_big, file=display)
        else:
            with path.open("rb") as stream:
                # The size can lie (pipes, growing files): never read more than the limit.
                data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("file not found", file=display) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=display) from None
    if len(data) > MAX_BYTES:
        raise InputError(too_big, file=display)
    return data


def decode(data: bytes, display: str, what: str = "sheet") -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x})"
        raise InputError(problem, file=display, line=line) from None


# --- YAML ------------------------------------------------------------------------------------

_YAML_TAG = "tag:yaml.org,2002:"
_TIMESTAMP = _YAML_TAG + "timestamp"
_BOOL = _YAML_TAG + "bool"
_INT = _YAML_TAG + "int"
_FLOAT = _YAML_TAG + "float"
_NULL = _YAML_TAG + "null"
_STR = _YAML_TAG + "str"
_MAP = _YAML_TAG + "map"
_SEQ = _YAML_TAG + "seq"
_MERGE = _YAML_TAG + "merge"
_VALUE = _YAML_TAG + "value"

# The explicit scalar tags a sheet may use, each with the plain forms its value may be written in
# (a float may be written as an integer). Their constructors trust the form: `!!bool maybe`
# would raise a KeyError there, `!!int ""` an IndexError.
_TYPED_FORMS: dict[str, frozenset[str]] = {
    _INT: frozenset({_INT}),
    _FLOAT: frozenset({_FLOAT, _INT}),
    _BOOL: frozenset({_BOOL}),
    _NULL: frozenset({_NULL}),
}
_TIMESTAMP_FORM = next(
    regexp
    for tag, regexp in yaml.resolver.Resolver.yaml_implicit_resolvers["2"]
    if tag == _TIMESTAMP
)

# No implicit timestamps (pydantic parses dates and names the key when one is wrong) and
# YAML 1.2 booleans only, so `region: NO` stays Norway instead of becoming False. A plain `=`
# is text, as in YAML 1.2, not the `!!value` tag no safe constructor knows.
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_TIMESTAMP, _BOOL, _VALUE)]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _RESOLVERS.setdefault(_first, []).insert(
        0, (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


class _PyLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = _RESOLVERS


class _CLoader(yaml.CSafeLoader):
    yaml_implicit_resolvers = _RESOLVERS


# libyaml is ~60x faster at scanning a 1 MiB scalar; the pure-Python parser is the fallback.
_Loader = _CLoader if yaml.__with_libyaml__ else _PyLoader


def parse(text: str, display: str, what: str = "sheet") -> tuple[Any, dict[Loc, int]]:
    """The YAML mapping in `text` and the line of every key and item; `what` the file is (a
    sheet, a terms file, an incident log), as its errors name it."""
    try:
        _check_events(text, display, what)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise InputError(f"the {what} is empty", file=display, line=1)
            _check_expansion(root, display, what)
            builder = _Builder(loader, display)
            data = builder.build(root, ())
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, display) from None
    if not isinstance(data, dict):
        problem = f"the {what} must be a mapping of keys to values, not {kind(data)}"
        raise InputError(problem, file=display, line=_line(root))
    return data, builder.lines


def _check_events(text: str, display: str, what: str) -> None:
    """Refuse deep nesting, too many nodes and several documents from the event stream.

    The event stream is produced iteratively with bounded memory; composing first would
    recurse once per nesting level and build the whole graph.
    """
    depth = nodes = documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                problem = f"several YAML documents ('---'): {_a(what)} is one document"
                raise InputError(problem, file=display, line=line)
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                problem = f"more than {MAX_NODES:,} YAML nodes: not {_a(what)}"
                raise InputError(problem, file=display, line=line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                problem = f"nested deeper than {MAX_DEPTH} levels: not {_a(what)}"
                raise InputError(problem, file=display, line=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _a(what: str) -> str:
    """`a sheet`, `an incident log`."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_expansion(root: yaml.Node, display: str, what: str) -> None:
    """Refuse alias bombs, recursive aliases and alias chains that nest too deep.

    Aliases share nodes in the composed graph, so sizes are computed once per node
    (memoised, iterative) without ever expanding the graph.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = [id(kid) for kid in _children(node)]
            size[key] = 1 + sum(size[kid] for kid in kids)
            depth[key] = 1 + max((depth[kid] for kid in kids), default=0)
            open_nodes.discard(key)
            _check_expanded(node, size[key], depth[key], display, what)
        elif key in open_nodes:
            problem = f"a recursive alias (a node that contains itself): not {_a(what)}"
            raise InputError(problem, file=display, line=_line(node))
        elif key not in size:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in _children(node))


def _check_expanded(node: yaml.Node, size: int, depth: int, display: str, what: str) -> None:
    if size > MAX_EXPANDED_NODES:
        problem = f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes: not {_a(what)}"
        raise InputError(problem, file=display, line=_line(node))
    if depth > MAX_DEPTH + 1:  # scalars count as a level here, collections only in events
        problem = f"aliases nest deeper than {MAX_DEPTH} levels: not {_a(what)}"
        raise InputError(problem, file=display, line=_line(node))


class _Builder:
    """Turns the composed node graph into plain data, recording the line of every key.

    Keys are the raw scalar text (every sheet key is a name), so `1:` or `on:` stay strings.
    """

    def __init__(self, loader: _PyLoader | _CLoader, display: str) -> None:
        self.loader = loader
        self.display = display
        self.lines: dict[Loc, int] = {}

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if not loc:
            self.lines[()] = _line(node)
        if isinstance(node, yaml.MappingNode):
            self._expect_tag(node, _MAP, loc)
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            self._expect_tag(node, _SEQ, loc)
            return self._sequence(node, loc)
        return self._scalar(node, loc)

    def _scalar(self, node: yaml.Node, loc: Loc) -> Any:
        tag, text = node.tag, str(node.value)
        if tag == _STR:
            return text
        if tag == _MERGE:
            problem = "'<<' merges mappings and stands only as a key; quote it for the text"
            raise self._error(problem, node, loc)
        if tag != _TIMESTAMP and tag not in _TYPED_FORMS:
            raise self._error(f"unsupported YAML tag {_tag_name(tag)}", node, loc)
        if not self._fits(tag, text):
            raise self._error(f"{quote(text)} does not fit its tag {_tag_name(tag)}", node, loc)
        if tag == _TIMESTAMP:  # `!!timestamp 2026-11-09`: the model reads the date from text
            return text
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, ArithmeticError):  # e.g. more digits than Python converts
            problem = f"cannot read {quote(text)} as {_tag_name(tag)}"
            raise self._error(problem, node, loc) from None

    def _fits(self, tag: str, text: str) -> bool:
        """Whether `text` is written as a value of `tag` would be without the tag."""
        if tag == _TIMESTAMP:
            return _TIMESTAMP_FORM.match(text) is not None
        written_as = self.loader.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        return written_as in _TYPED_FORMS[tag]

    def _sequence(self, node: yaml.SequenceNode, loc: Loc) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.lines[(*loc, index)] = _line(item)
            items.append(self.build(item, (*loc, index)))
        return items

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        # Merged keys (`<<: *base`) first, so explicit keys and their lines win.
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                result.update(self._merged(value_node, loc))
        explicit: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node, loc)
            if key in explicit:
                problem = f"duplicate key {quote(key)} (first at line {explicit[key]})"
                raise self._error(problem, key_node, (*loc, key))
            explicit[key] = self.lines[(*loc, key)] = _line(key_node)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _merged(self, node: yaml.Node, loc: Loc) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # earlier mappings take precedence
            if not isinstance(source, yaml.MappingNode):
                raise self._error("'<<' merges only mappings", source, loc)
            merged.update(self._mapping(source, loc))
        return merged

    def _key(self, node: yaml.Node, loc: Loc) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self._error("a key must be a plain name, not a list or mapping", node, loc)
        return str(node.value)

    def _expect_tag(self, node: yaml.Node, tag: str, loc: Loc) -> None:
        if node.tag != tag:
            raise self._error(f"unsupported YAML tag {_tag_name(node.tag)}", node, loc)

    def _error(self, problem: str, node: yaml.Node, loc: Loc) -> InputError:
        return InputError(problem, file=self.display, line=_line(node), key=dotted_key(loc))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _tag_name(tag: str) -> str:
    """`tag:yaml.org,2002:int` -> `!!int`, as a sheet writes it; any tag cut for a message."""
    return quote("!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag)


def _yaml_error(exc: yaml.YAMLError, text: str, display: str) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader reports a position whose unit depends on the parser: find the character.
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, index) + 1 if index >= 0 else None
        problem = f"character {exc.character:#06x} is not allowed in YAML"
        return InputError(problem, file=display, line=line)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = f"invalid YAML: {_cut(exc.problem or exc.context, 2 * QUOTE_LIMIT)}"
        if exc.problem and exc.context:
            problem += f" ({_cut(exc.context, 2 * QUOTE_LIMIT)})"
        if _indented_with_tab(text, line):
            problem = "invalid YAML: a tab indents this line; YAML indents with spaces only"
        return InputError(problem, file=display, line=line)
    return InputError(f"invalid YAML: {_cut(exc, 2 * QUOTE_LIMIT)}", file=display)


def _cut(text: object, limit: int = QUOTE_LIMIT) -> str:
    """Text that may hold a bad value (a key, or the parser's words quoting a tag handle) cut
    to `limit` characters: never a megabyte in a message."""
    return clip(str(text), limit)


def _indented_with_tab(text: str, line: int | None) -> bool:
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return False
    content = lines[line - 1]
    return "\t" in content[: len(content) - len(content.lstrip())]


def kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return "a number" if isinstance(value, int | float) else "text"
