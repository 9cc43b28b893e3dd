"""Telegram Bot API spec (api.json) loading and validation of calls and objects.

The spec is the machine-readable Bot API 10.0 description kept in the repository at
``sandbox/botapi/api.json`` (see the README beside it). It is compiled once into small
lookup structures; validation then walks values against the declared types.

Besides the declared types, a few limits that the documentation states only in prose are
extracted from the field descriptions ("1-4096 characters after entities parsing",
"1-64 bytes", "Values between 1-100 are accepted", "list of 1-100 identifiers", "always
\"creator\"", "Exactly one of the fields other than ...").
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "TELEGRAM_API_SPEC"
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
SCALAR_TYPES = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})
# Tags accepted by Telegram's HTML parse mode (https://core.telegram.org/bots/api#html-style).
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")

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


def _html_visible(text: str) -> tuple[str, str | None]:
    """Strip Telegram HTML markup; return (visible text, parse error or None)."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    tag_re = _HTML_TAG_RE
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        match = tag_re.match(text, lt)
        if match is None:
            return "", f"unescaped '<' at character {lt} (use &lt;)"
        closing, name = match[1] == "/", match[2].lower()
        if name not in HTML_TAGS:
            return "", f"unsupported {'end' if closing else 'start'} tag <{match[1]}{name}>"
        if closing:
            if not stack or stack[-1] != name:
                return "", f"can't find start tag for </{name}>"
            stack.pop()
        else:
            stack.append(name)
        pos = match.end()
    if stack:
        return "", f"can't find end tag for <{stack[-1]}>"
    return html.unescape("".join(out)), None


_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")


def _markdown_v2_visible(text: str) -> tuple[str, str | None]:
    """Strip MarkdownV2 markup; report unescaped reserved characters like Telegram does."""
    out: list[str] = []
    i, n = 0, len(text)
    code: str | None = None
    in_url = False
    line_start = True
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 < n and not in_url:
                out.append(text[i + 1])
            i, line_start = i + 2, False
            continue
        if code is not None:
            if text.startswith(code, i):
                i += len(code)
                code = None
            else:
                out.append(c)
                i += 1
            continue
        if in_url:
            in_url = c != ")"
            i += 1
            continue
        start_of_line, line_start = line_start, c == "\n"
        if text.startswith("```", i):
            code, i = "```", i + 3
        elif c == "`":
            code, i = "`", i + 1
        elif c == "]" and text.startswith("(", i + 1):
            in_url, i = True, i + 2
        elif start_of_line and text.startswith("**>", i):
            i += 3
        elif c in "*_~|[]" or (c == ">" and start_of_line) or (c == "!" and text[i + 1 : i + 2] == "["):
            i += 1
        elif c in MARKDOWN_V2_RESERVED:
            return "", f"character '{c}' is reserved and must be escaped with the preceding '\\'"
        else:
            out.append(c)
            i += 1
    if code is not None:
        return "", "can't find end of code entity"
    return "".join(out), None


def _markdown_visible(text: str) -> tuple[str, str | None]:
    """Strip legacy Markdown markup (lenient)."""
    text = re.sub(r"\]\([^)]*\)", "", text)
    text = re.sub(r"\\([_*`\[])|[_*`\[]", lambda m: m[1] or "", text)
    return text, None


def visible_text(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """Text as Telegram would display it after entity parsing, plus a parse error if any."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_visible(text)
    if mode == "markdownv2":
        return _markdown_v2_visible(text)
    if mode == "markdown":
        return _markdown_visible(text)
    return text, None


# --------------------------------------------------------------------------- validation


def describe(value: Any) -> str:
    """Short description of a value for error messages."""
    kind = {
        bool: "Boolean",
        int: "Integer",
        float: "Float",
        str: "String",
        list: "Array",
        dict: "object",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}"


def _parse_mode_key(field_name: str) -> str:
    """Name of the sibling parse-mode parameter for a text field."""
    if field_name in ("text", "caption", "message_text"):
        return "parse_mode"
    return f"{field_name}_parse_mode"


class Validator:
    """Checks method calls and objects against a compiled ApiSpec."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec

    # ----- calls

    def validate_call(self, method: str, params: Mapping[str, Any], files: Iterable[str] = ()) -> list[str]:
        """Violations of one call; `files` are names of uploaded multipart file parts."""
        mspec = self.spec.method(method)
        if mspec is None:
            return [f"unknown method '{method}'"]
        name = mspec.name
        errors: list[str] = []
        file_names = set(files)
        attached = _attach_refs(params)
        values: dict[str, Any] = dict(params)
        for fname in file_names:
            fspec = mspec.fields.get(fname)
            if fspec is not None:
                if not any(t.name == "InputFile" and t.depth == 0 for t in fspec.types):
                    errors.append(f"{name}: parameter '{fname}' does not accept a file upload")
                values.setdefault(fname, UploadedFile(fname))
            elif fname not in attached:
                errors.append(f"{name}: unknown parameter '{fname}' (uploaded file)")
        for ref in sorted(attached - file_names):
            errors.append(f"{name}: attach://{ref} refers to a file part that was not uploaded")
        for key, value in values.items():
            fspec = mspec.fields.get(key)
            if fspec is None:
                errors.append(f"{name}: unknown parameter '{key}'")
                continue
            self._check_field(value, fspec, values, f"{name}.{key}", errors)
        errors.extend(
            f"{name}: missing required parameter '{req}'" for req in mspec.required if req not in values
        )
        return errors

    # ----- objects

    def validate_object(self, type_name: str, value: Any, path: str | None = None) -> list[str]:
        """Violations of `value` as an instance of spec type `type_name` (may be "Array of X")."""
        ref = TypeRef.parse(type_name)
        if ref.name not in self.spec.types and ref.name not in SCALAR_TYPES:
            return [f"unknown type '{ref.name}'"]
        errors: list[str] = []
        self._check_ref(value, ref, path or type_name, errors)
        return errors

    def _check_field(
        self, value: Any, fspec: FieldSpec, parent: Mapping[str, Any], path: str, errors: list[str]
    ) -> None:
        """Type-check one field value and apply documented limits."""
        before = len(errors)
        self._check_union(value, fspec.types, path, errors)
        if len(errors) != before:
            return
        if fspec.constant is not None and value != fspec.constant:
            errors.append(f"{path}: must be '{fspec.constant}', got {describe(value)}")
        if (
            fspec.name.endswith("parse_mode")
            and isinstance(value, str)
            and value
            and value.lower() not in PARSE_MODES
        ):
            errors.append(f"{path}: unsupported parse mode {value!r}")
        if fspec.pattern is not None and isinstance(value, str):
            regex, rule = fspec.pattern
            if not regex.fullmatch(value):
                errors.append(f"{path}: {rule}, got {value!r}")
        if fspec.limit is not None:
            self._check_limit(value, fspec, parent, path, errors)

    def _check_limit(
        self, value: Any, fspec: FieldSpec, parent: Mapping[str, Any], path: str, errors: list[str]
    ) -> None:
        """Apply a documented limit (length in characters/bytes, item count or number range)."""
        limit = fspec.limit
        assert limit is not None
        size: float | None
        if limit.unit == "items":
            size = len(value) if isinstance(value, list) else None
            what = "items"
        elif limit.unit == "value":
            size = value if isinstance(value, int | float) else None
            what = ""
        elif isinstance(value, str):
            if limit.after_parsing:
                mode = parent.get(_parse_mode_key(fspec.name))
                text, error = visible_text(value, mode if isinstance(mode, str) else None)
                if error:
                    errors.append(f"{path}: can't parse entities ({mode}): {error}")
                    return
                value = text.strip()
            size = len(value.encode("utf-8")) if limit.unit == "bytes" else len(value)
            what = limit.unit
        else:
            return
        if size is None or limit.low <= size <= limit.high:
            return
        if what:
            errors.append(f"{path}: must be {limit.low}-{limit.high} {what}, got {size}")
        else:
            errors.append(f"{path}: must be between {limit.low} and {limit.high}, got {size}")

    def _check_union(self, value: Any, refs: tuple[TypeRef, ...], path: str, errors: list[str]) -> None:
        """Value must match one of `refs`; report the most plausible candidate's errors."""
        if len(refs) == 1:
            self._check_ref(value, refs[0], path, errors)
            return
        candidates: list[list[str]] = []
        for ref in refs:
            errs: list[str] = []
            self._check_ref(value, ref, path, errs)
            if not errs:
                return
            if self._kind_matches(value, ref):
                candidates.append(errs)
        if candidates:
            best: list[str] = min(candidates, key=len)
            errors.extend(best)
        else:
            expected = " or ".join(str(r) for r in refs)
            errors.append(f"{path}: expected {expected}, got {describe(value)}")

    def _kind_matches(self, value: Any, ref: TypeRef) -> bool:
        """Whether `value` is the array/object `ref` describes (to pick the error to report)."""
        if ref.depth:
            return isinstance(value, list)
        return ref.name not in SCALAR_TYPES and isinstance(value, dict)

    def _check_ref(self, value: Any, ref: TypeRef, path: str, errors: list[str]) -> None:
        """Check `value` against one TypeRef."""
        if ref.depth:
            if not isinstance(value, list):
                errors.append(f"{path}: expected {ref}, got {describe(value)}")
                return
            inner = TypeRef(ref.name, ref.depth - 1)
            for i, item in enumerate(value):
                self._check_ref(item, inner, f"{path}[{i}]", errors)
            return
        if ref.name in SCALAR_TYPES:
            if not _scalar_ok(ref.name, value):
                errors.append(f"{path}: expected {ref.name}, got {describe(value)}")
            return
        tspec = self.spec.types.get(ref.name)
        if tspec is None:
            return  # unknown type name in the spec itself: be lenient
        if tspec.subtypes:
            self._check_union(value, tuple(TypeRef(s) for s in tspec.subtypes), path, errors)
            return
        if isinstance(value, str) and tspec.string_allowed:
            return
        if not isinstance(value, dict):
            errors.append(f"{path}: expected {ref.name} object, got {describe(value)}")
            return
        self._check_object(value, tspec, path, errors)

    def _check_object(self, value: dict[str, Any], tspec: TypeSpec, path: str, errors: list[str]) -> None:
        """Check keys, required fields and field values of an object."""
        if not tspec.has_fields:
            return  # placeholder types without documented fields (e.g. CallbackGame)
        for key, item in value.items():
            fspec = tspec.fields.get(key)
            if fspec is None:
                errors.append(f"{path}: unknown field '{key}' for {tspec.name}")
            else:
                self._check_field(item, fspec, value, f"{path}.{key}", errors)
        errors.extend(
            f"{path}: missing required field '{req}' of {tspec.name}"
            for req in tspec.required
            if req not in value
        )
        if tspec.one_of is not None:
            rule, excluded = tspec.one_of
            used = [k for k in value if k not in excluded and k not in tspec.required]
            if len(used) > 1 or (rule == "exactly" and not used):
                errors.append(
                    f"{path}: {rule} one of the fields other than {', '.join(sorted(excluded))} "
                    f"must be used in {tspec.name}, got {used or 'none'}"
                )


def _scalar_ok(type_name: str, value: Any) -> bool:
    """JSON-level check of a scalar as PTB would encode it."""
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name in ("Boolean", "True"):
        return isinstance(value, bool)
    # InputFile: an uploaded part, or an attach:// reference to one
    return isinstance(value, UploadedFile) or (isinstance(value, str) and value.startswith("attach://"))


def _attach_refs(value: Any) -> set[str]:
    """Names referenced as attach://<name> anywhere inside `value`."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.startswith("attach://"):
                found.add(item[len("attach://") :])
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@functools.cache
def default_validator() -> Validator:
    """Validator over the default api.json."""
    return Validator(load_spec())


def validate_call(method: str, params: dict[str, Any], files: set[str]) -> list[str]:
    """Violations of one Bot API call (method, decoded params, names of uploaded file parts)."""
    return default_validator().validate_call(method, params, files)


def validate_object(type_name: str, value: Any) -> list[str]:
    """Violations of `value` as an instance of spec type `type_name`."""
    return default_validator().validate_object(type_name, value)
