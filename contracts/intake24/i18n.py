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


def language(accept_language: str | None) -> str:
    """``negotiator.languages()[0]`` as Intake24's ``i18nService`` picks it, mapped to a store key."""
    preferences: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "*").split(",")):
        tag, _, parameters = part.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            preferences.append((-quality, index, tag))
    first = min(preferences)[2] if preferences else "*"
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
