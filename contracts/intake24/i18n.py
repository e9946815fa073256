"""Intake24's API translations (``packages/i18n/src/api/{en,fr}/validation.json`` at c93aaa5) as its
``i18nStore`` reads them, for the messages the sandbox's routes can reach.

Intake24 localises two kinds of message: a ts-rest contract's zod ``invalid_type`` issue
(``formatZodIssueMessage``: ``validation.types.<expected>._`` with ``attribute`` set to
``validation.attributes.<path joined with '.'>``) and the admin ``ValidationError`` of a taken
username (``validation.types.unique._``). The language is the first of ``negotiator.languages()``
(``Accept-Language`` by quality, then order; ``*`` without the header), used as is: only ``en`` and
``fr`` exist, so ``fr-FR`` or ``FR`` get English (``store[locale] ?? store.en``). A key is resolved
segment by segment: a missing segment gives the key itself, a string met before the last segment is
the answer (so ``customFields.0.name`` is "Custom fields"), and ``{attribute}`` is replaced once.

Reachable here: the types ``string``, ``object``, ``array``, ``boolean``, ``number``, ``integer``
(the only ``expected`` values the served contracts produce) and ``unique``; the attributes of the
served contracts' fields. The other templates of the files (dates, files, colours, CRON, …) belong to
routes the sandbox does not serve. ``rate-limit.json``'s French is the English text.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: ``validation.types.<type>._`` for the reachable types, per language.
TYPES: dict[str, dict[str, str]] = {
    "en": {
        "string": '"{attribute}" must be filled in.',
        "object": '"{attribute}" must be an object.',
        "array": '"{attribute}" must be an array.',
        "boolean": '"{attribute}" must be a boolean (true/false).',
        "number": '"{attribute}" must be a number.',
        "integer": '"{attribute}" must be an integer.',
        "unique": 'A record with the same "{attribute}" value already exists.',
    },
    "fr": {
        "string": '"{attribute}" doit être rempli.',
        "object": '"{attribute}" doit être un objet.',
        "array": '"{attribute}" doit être un tableau.',
        "boolean": '"{attribute}" doit être un booléen (vrai/faux).',
        "number": '"{attribute}" must be a number.',  # untranslated in fr/validation.json
        "integer": '"{attribute}" doit être un nombre entier.',
        "unique": 'Une entrée avec la même valeur de "{attribute}" existe déjà.',
    },
}
#: ``validation.attributes.<name>`` for the served contracts' fields (the same in both files).
_ATTRIBUTES = {
    "token": "Token",
    "captcha": "CAPTCHA",
    "username": "Username",
    "password": "Password",
    "passwordConfirm": "Password confirmation",
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "customFields": "Custom fields",
    "page": "Page",
    "limit": "Limit",
    "search": "Search",
    "sort": "Sort",
}
_STORE: dict[str, Any] = {
    language: {"validation": {"types": {kind: {"_": text} for kind, text in types.items()}, "attributes": _ATTRIBUTES}}
    for language, types in TYPES.items()
}


#: JavaScript's white space and line terminators (``\\s``, what ``trim`` removes): the characters of
#: :data:`contracts.intake24.schemas.JS_WHITESPACE`, spelled again here because that module imports this one.
_SPACES = "\t\n\x0b\x0c\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    chr(code) for code in range(0x2000, 0x200B)
)
#: negotiator 0.6's ``simpleLanguageRegExp`` (``/^\s*([^\s\-;]+)(?:-([^\s;]+))?\s*(?:;(.*))?$/``), with
#: JavaScript's ``\s`` (white space and line terminators) and ``.`` (anything but a line terminator) spelled out.
_LANGUAGE = re.compile(f"[{_SPACES}]*([^{_SPACES};-]+)(?:-([^{_SPACES};]+))?[{_SPACES}]*(?:;([^\n\r\u2028\u2029]*))?")
#: What JavaScript's ``parseFloat`` reads after leading white space: the longest decimal literal.
_JS_FLOAT = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def _parse_float(text: str | None) -> float:
    """JavaScript's ``parseFloat``: the number a text starts with (after white space), else NaN."""
    if text is None:
        return math.nan
    found = _JS_FLOAT.match(text.lstrip(_SPACES))
    return float(found.group()) if found else math.nan


def language(accept_language: str | None) -> str:
    """``negotiator.languages()[0]`` as Intake24's ``i18nService`` picks it, mapped to a store key.

    negotiator 0.6 (``lib/language.js``): each comma-separated entry, trimmed, must match
    ``simpleLanguageRegExp`` (else it is skipped); its quality is the last ``q=`` parameter, split on
    ``;`` then ``=`` *without* trimming (``fr; q=0.5`` has no ``q`` parameter: quality 1) and read with
    ``parseFloat`` (``0.5=1`` and ``0.5x`` are 0.5, ``abc`` is NaN); entries of quality 0 or NaN are not
    acceptable; the rest are ordered by quality, then as listed.
    """
    preferences: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language if accept_language is not None else "*").split(",")):
        match = _LANGUAGE.fullmatch(part.strip(_SPACES))
        if match is None:
            continue
        prefix, suffix, parameters = match.groups()
        quality = 1.0
        for parameter in parameters.split(";") if parameters else ():
            pieces = parameter.split("=")
            if pieces[0] == "q":
                quality = _parse_float(pieces[1] if len(pieces) > 1 else None)
        if quality > 0:
            preferences.append((-quality, index, f"{prefix}-{suffix}" if suffix else prefix))
    first = min(preferences)[2] if preferences else None
    return first if first in _STORE else "en"


def _resolve(key: str, locale: str) -> str:
    """``i18nStore``'s ``resolvePath``."""
    found: Any = _STORE[locale]
    for segment in key.split("."):
        if isinstance(found, str):
            return found
        if not found.get(segment):
            return key
        found = found[segment]
    return found if isinstance(found, str) else "[object Object]"


def type_message(kind: str, path: str, locale: str) -> str:
    """``validation.types.<kind>._`` with ``{attribute}`` from ``validation.attributes.<path>``."""
    template = _resolve(f"validation.types.{kind}._", locale)
    return template.replace("{attribute}", _resolve(f"validation.attributes.{path}", locale), 1)
