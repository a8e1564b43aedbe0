"""YAML loading that remembers line numbers, for error messages."""
from __future__ import annotations

import re

import yaml


class LineDict(dict):
    """A mapping from YAML with ``line`` (1-based) and per-key ``key_lines``."""

    line: int | None = None
    key_lines: dict

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int | None = None


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so keys such as
    ``yes:``/``no:`` (yes/no rules) and answers like ``on`` stay text."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same loader on libyaml's parser (when PyYAML has it): a plan parsed in a tenth
    of the time. Errors are left to :class:`_Loader`, whose messages ``plan.load`` knows."""


_BOOLEANS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {first: list(r) for first, r in _BOOLEANS.items()}
    _cls.add_implicit_resolver("tag:yaml.org,2002:bool",
                               re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float)):
            raise yaml.constructor.ConstructorError(
                None, None, "khóa không hợp lệ", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


for _cls in (_Loader, _FastLoader):
    _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str):
    """Parse YAML text; raise ``yaml.YAMLError`` with a mark on failure.

    Parsed by libyaml when PyYAML has it; a text it finds wrong is parsed again by the
    pure-Python parser, so the error (its words and its line) is always that parser's.
    """
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
