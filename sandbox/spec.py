"""Telegram Bot API spec (api.json) loading and validation of calls and objects.

The spec is the machine-readable Bot API 10.0 description kept in the repository at
``sandbox/botapi/api.json`` (see the README beside it). It is compiled once into small
lookup structures; validation then walks values against the declared types.

Besides the declared types, a few limits that the documentation states only in prose are
extracted from the field descriptions ("1-4096 characters after entities parsing",
"1-64 bytes", "Values between 1-100 are accepted", "list of 1-100 identifiers", "always
\"creator\"", "Exactly one of the fields other than ...").

The compiled form and loading live in `sandbox.spec_model`, entity parsing in
`sandbox.spec_entities`; this module validates and re-exports both.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from .spec_entities import HTML_TAGS, MARKDOWN_V2_RESERVED, visible_text
from .spec_model import (
    SPEC_ENV_VAR,
    ApiSpec,
    FieldSpec,
    Limit,
    MethodSpec,
    SpecNotFoundError,
    TypeRef,
    TypeSpec,
    UploadedFile,
    compile_spec,
    decode_param,
    decode_params,
    load_spec,
    load_spec_from,
    spec_path,
)

__all__ = [
    "HTML_TAGS",
    "MARKDOWN_V2_RESERVED",
    "PARSE_MODES",
    "SCALAR_TYPES",
    "SPEC_ENV_VAR",
    "ApiSpec",
    "FieldSpec",
    "Limit",
    "MethodSpec",
    "SpecNotFoundError",
    "TypeRef",
    "TypeSpec",
    "UploadedFile",
    "Validator",
    "compile_spec",
    "decode_param",
    "decode_params",
    "default_validator",
    "describe",
    "load_spec",
    "load_spec_from",
    "spec_path",
    "validate_call",
    "validate_object",
    "visible_text",
]

PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
SCALAR_TYPES = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})


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
