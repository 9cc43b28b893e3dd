"""Telegram Bot API spec (api.json): its compiled form, loading, and decoding of form parameters.

The spec is the machine-readable Bot API 10.0 description kept in the repository at
``sandbox/botapi/api.json`` (see the README beside it). It is compiled once into small
lookup structures that `sandbox.spec` validates against.

Besides the declared types, a few limits that the documentation states only in prose are
extracted from the field descriptions ("1-4096 characters after entities parsing",
"1-64 bytes", "Values between 1-100 are accepted", "list of 1-100 identifiers", "always
\"creator\"", "Exactly one of the fields other than ...").
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "TELEGRAM_API_SPEC"

_STRING_LIMIT_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)\b", re.IGNORECASE)
_ARRAY_LIMIT_RE = re.compile(r"\b(?:list of|array of|include) (\d+)-(\d+)\b", re.IGNORECASE)
_NUMBER_RANGE_RE = re.compile(r"(?<![\w.+-])(\d+)-(\d+)(?![\w-])")
_CONSTANT_RE = re.compile(r"\b(?:always|must be) \"?([a-z][a-z0-9_]*)\"?")
_ONE_OF_RE = re.compile(
    r"(Exactly|At most) one of the (?:optional )?fields other than ([\w, ]+?) must be used"
)
_JSON_START = frozenset('{["-0123456789')
# Formats documented in prose only, keyed by (type or method, field).
_PATTERNS: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    ("BotCommand", "command"): (
        re.compile(r"[a-z0-9_]+"),
        "can contain only lowercase English letters, digits and underscores",
    ),
}


class SpecNotFoundError(FileNotFoundError):
    """Raised when api.json cannot be located."""


class UploadedFile:
    """Marker value standing for a multipart file part in validated params."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<uploaded file {self.name!r}>"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One declared type: a base name wrapped in `depth` levels of "Array of"."""

    name: str
    depth: int = 0

    def __str__(self) -> str:
        return "Array of " * self.depth + self.name

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        """Parse a spec type string such as "Array of Array of InlineKeyboardButton"."""
        depth = 0
        while text.startswith("Array of "):
            text = text[len("Array of ") :]
            depth += 1
        return cls(text, depth)


@dataclass(frozen=True, slots=True)
class Limit:
    """A documented size/range limit for one field."""

    low: int
    high: int
    unit: str  # "characters", "bytes", "items" or "value"
    after_parsing: bool = False


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or field of an object type."""

    name: str
    types: tuple[TypeRef, ...]
    required: bool
    limit: Limit | None = None
    constant: str | None = None
    pattern: tuple[re.Pattern[str], str] | None = None

    @property
    def string_only(self) -> bool:
        """True when the value is a plain string (or file) and must not be JSON-decoded."""
        return all(t.depth == 0 and t.name in ("String", "InputFile") for t in self.types)

    @property
    def type_text(self) -> str:
        """Human-readable type, e.g. "Integer or String"."""
        return " or ".join(str(t) for t in self.types)


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An object type of the Bot API."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    subtypes: tuple[str, ...] = ()
    has_fields: bool = True
    string_allowed: bool = False
    one_of: tuple[str, frozenset[str]] | None = None  # ("exactly"/"at most", excluded fields)


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[TypeRef, ...]


@dataclass(slots=True)
class ApiSpec:
    """The compiled spec."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]
    _by_lower: dict[str, MethodSpec] = field(default_factory=dict)

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as Telegram does."""
        return self._by_lower.get(name.lower())


# --------------------------------------------------------------------------- loading


def spec_path() -> Path:
    """Path of api.json: $TELEGRAM_API_SPEC, else the copy kept beside this module."""
    env = os.environ.get(SPEC_ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "botapi" / "api.json"


def _limit_for(types: tuple[TypeRef, ...], description: str) -> Limit | None:
    """Extract a documented limit from a field description, if unambiguous."""
    if all(t.depth > 0 for t in types):
        match = _ARRAY_LIMIT_RE.search(description)
        return Limit(int(match[1]), int(match[2]), "items") if match else None
    names = {t.name for t in types if t.depth == 0}
    if names == {"String"}:
        matches = _STRING_LIMIT_RE.findall(description)
        if len(matches) != 1:
            return None
        low, high, unit = matches[0]
        after = "after entities parsing" in description
        return Limit(int(low), int(high), unit.lower(), after)
    if names and names <= {"Integer", "Float"}:
        matches = _NUMBER_RANGE_RE.findall(description)
        if len(matches) == 1:
            return Limit(int(matches[0][0]), int(matches[0][1]), "value")
    return None


def _constant_for(name: str, types: tuple[TypeRef, ...], description: str) -> str | None:
    """Discriminator constant of a union member ("always \"creator\"", "must be photo")."""
    if name not in ("type", "status", "source") or types != (TypeRef("String"),):
        return None
    match = _CONSTANT_RE.search(description)
    return match[1] if match else None


def _compile_fields(owner: str, raw_fields: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    """Compile the `fields` list of a method or type."""
    fields: dict[str, FieldSpec] = {}
    for raw in raw_fields:
        types = tuple(TypeRef.parse(t) for t in raw["types"])
        desc = str(raw.get("description", ""))
        fields[raw["name"]] = FieldSpec(
            name=raw["name"],
            types=types,
            required=bool(raw.get("required")),
            limit=_limit_for(types, desc),
            constant=_constant_for(raw["name"], types, desc),
            pattern=_PATTERNS.get((owner, raw["name"])),
        )
    return fields


def _one_of_rule(description: str) -> tuple[str, frozenset[str]] | None:
    """Parse "Exactly/At most one of the fields other than a, b, and c must be used"."""
    match = _ONE_OF_RE.search(description)
    if not match:
        return None
    names = re.split(r",\s*(?:and\s+)?|\s+and\s+", match[2])
    return match[1].lower(), frozenset(n.strip() for n in names if n.strip())


def _compile_type(name: str, raw: Mapping[str, Any]) -> TypeSpec:
    """Compile one entry of the spec's `types` section."""
    fields = _compile_fields(name, raw.get("fields", []))
    description = " ".join(raw.get("description", []))
    return TypeSpec(
        name=name,
        fields=fields,
        required=tuple(f.name for f in fields.values() if f.required),
        subtypes=tuple(raw.get("subtypes", ())),
        has_fields="fields" in raw,
        string_allowed="String can be used instead of this object" in description,
        one_of=_one_of_rule(description),
    )


def compile_spec(raw: Mapping[str, Any]) -> ApiSpec:
    """Turn the parsed api.json into an ApiSpec."""
    methods: dict[str, MethodSpec] = {}
    for name, m in raw["methods"].items():
        fields = _compile_fields(name, m.get("fields", []))
        methods[name] = MethodSpec(
            name=name,
            fields=fields,
            required=tuple(f.name for f in fields.values() if f.required),
            returns=tuple(TypeRef.parse(t) for t in m.get("returns", [])),
        )
    types = {name: _compile_type(name, t) for name, t in raw["types"].items()}
    spec = ApiSpec(version=str(raw.get("version", "")), methods=methods, types=types)
    spec._by_lower = {name.lower(): m for name, m in methods.items()}
    return spec


@functools.cache
def load_spec() -> ApiSpec:
    """Load and compile api.json once per process."""
    return load_spec_from(spec_path())


def load_spec_from(path: Path) -> ApiSpec:
    """Load and compile an api.json file (uncached); SpecNotFoundError if it is missing."""
    if not path.is_file():
        raise SpecNotFoundError(
            f"Telegram Bot API spec not found at {path}: it ships in sandbox/botapi/api.json; "
            f"{SPEC_ENV_VAR} may point elsewhere."
        )
    with path.open(encoding="utf-8") as fh:
        return compile_spec(json.load(fh))


# --------------------------------------------------------------------------- decoding


def decode_param(field_spec: FieldSpec | None, raw: str) -> Any:
    """Decode one form value: JSON for structured/numeric fields, raw for String fields."""
    if field_spec is not None and field_spec.string_only:
        return raw
    if raw and (raw[0] in _JSON_START or raw in ("true", "false", "null")):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def decode_params(method: str, raw: Mapping[str, str]) -> dict[str, Any]:
    """Decode form-encoded params of `method` using the spec's declared types."""
    spec = load_spec().method(method)
    fields = spec.fields if spec else {}
    return {name: decode_param(fields.get(name), value) for name, value in raw.items()}


# --------------------------------------------------------------------------- entity parsing
