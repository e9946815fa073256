"""Intake24's request sanitiser: DOMPurify, then trim, then ``""`` → ``null``, recursively.

Intake24 (``packages/common/src/rules/sanitize.ts`` at ``c93aaa5``) runs every string of a request
body through ``DOMPurify.sanitize`` with the HTML profile (plus ``iframe`` and the attributes
``allowfullscreen``, ``frameborder``, ``target``) and every query value through DOMPurify with no
markup allowed, before any route sees them. So a create-user token with ``<script>x</script>``
appended reaches validation as the bare token and is accepted.

DOMPurify is a JavaScript library; the sandbox uses the maintained ``nh3`` binding of the Ammonia
sanitiser (html5ever, the same HTML parsing algorithm as the browser DOM DOMPurify runs on),
configured with DOMPurify's default allow-lists. Two DOMPurify rules are reproduced exactly:

* a string without ``<`` is returned unchanged (DOMPurify's early exit), so ``&``, ``>`` and NUL
  characters in plain text survive;
* element contents DOMPurify drops with the element (``script``, ``noscript``, ``svg``, ``math``,
  ...) are dropped; any other disallowed element is unwrapped and its text kept.

Known differences (documented in the README): the ``style`` element is dropped with its content
(DOMPurify keeps it), attribute values are not checked against DOMPurify's URI regular expression
beyond the URL scheme, and serialisation follows html5ever (``&nbsp;``, ``&amp;``, quoted attributes
as the DOM serialiser writes them).
"""

from __future__ import annotations

from typing import Any

import nh3

from contracts.intake24.schemas import js_trim
from sandbox.vendors.intake24.node import has_lone_surrogate


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: DOMPurify 3.2 ``tags.html`` (the HTML profile) plus ``ADD_TAGS: ['iframe']``; ``style`` is
#: left out (see the module docstring), and ``html``/``head``/``body`` never occur in a fragment.
HTML_TAGS = _words(
    "a abbr acronym address area article aside audio b bdi bdo big blink blockquote br button canvas "
    "caption center cite code col colgroup content data datalist dd decorator del details dfn dialog "
    "dir div dl dt element em fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header "
    "hgroup hr i iframe img input ins kbd label legend li main map mark marquee menu menuitem meter "
    "nav nobr ol optgroup option output p picture pre progress q rp rt ruby s samp section select "
    "shadow small source spacer span strike strong sub summary sup table tbody td template textarea "
    "tfoot th thead time tr track tt u ul var video wbr"
)

#: DOMPurify 3.2 ``attrs.html`` plus ``ADD_ATTR`` (``rel`` is kept as given: no ``noopener`` added).
HTML_ATTRIBUTES = _words(
    "accept action align alt autocapitalize autocomplete autopictureinpicture autoplay background "
    "bgcolor border capture cellpadding cellspacing checked cite class clear color cols colspan "
    "controls controlslist coords crossorigin datetime decoding default dir disabled "
    "disablepictureinpicture disableremoteplayback download draggable enctype enterkeyhint face for "
    "headers height hidden high href hreflang id inputmode integrity ismap kind label lang list "
    "loading loop low max maxlength media method min minlength multiple muted name nonce noshade "
    "novalidate nowrap open optimum pattern placeholder playsinline popover popovertarget "
    "popovertargetaction poster preload pubdate radiogroup readonly rel required rev reversed role "
    "rows rowspan spellcheck scope selected shape size sizes span srclang start src srcset step "
    "summary tabindex title translate type usemap valign value width wrap xmlns slot "
    "allowfullscreen frameborder target"
)

#: DOMPurify's ``FORBID_CONTENTS`` that are not allowed tags: removed together with their content.
DROPPED_WITH_CONTENT = _words(
    "annotation-xml desc foreignobject head math mi mn mo ms mtext noembed noframes noscript "
    "plaintext script style svg title xmp"
)

#: The schemes of DOMPurify's ``ALLOWED_URI_REGEXP`` (relative URLs pass too).
URL_SCHEMES = _words("http https ftp ftps mailto tel callto sms cid xmpp matrix")

_BODY = nh3.Cleaner(
    tags=set(HTML_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"*": set(HTML_ATTRIBUTES)},
    generic_attribute_prefixes={"data-", "aria-"},
    url_schemes=set(URL_SCHEMES),
    link_rel=None,
    strip_comments=True,
)
_QUERY = nh3.Cleaner(
    tags=set(),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={},
    link_rel=None,
    strip_comments=True,
)


#: At most this many ``<`` in the strings of one request go through the sanitiser. HTML tree
#: building is quadratic in nesting depth (10,000 nested ``<div>`` take about a second, 200,000
#: minutes), so a request over the budget is refused instead of tying up a worker.
MARKUP_BUDGET = 5000


class MarkupBudgetExceeded(Exception):
    """The request's strings hold more markup than :data:`MARKUP_BUDGET` allows."""


def purify(text: str, *, allow_html: bool) -> str:
    """``DOMPurify.sanitize(text, profile)``: unchanged unless the text contains ``<``."""
    if "<" not in text:
        return text
    cleaner = _BODY if allow_html else _QUERY
    if not has_lone_surrogate(text):
        return cleaner.clean(text)
    # The DOM keeps lone UTF-16 surrogates (strings are UTF-16); the Rust sanitiser takes only
    # scalar values, so each surrogate crosses it as a private-use stand-in and comes back.
    if any(_STAND_IN_BASE <= ord(char) < _STAND_IN_BASE + 0x800 for char in text):
        return cleaner.clean(text.encode("utf-8", "replace").decode("utf-8"))  # stand-ins taken: U+FFFD
    hidden = "".join(chr(_STAND_IN_BASE + ord(c) - 0xD800) if "\ud800" <= c <= "\udfff" else c for c in text)
    cleaned = cleaner.clean(hidden)
    return "".join(
        chr(0xD800 + ord(c) - _STAND_IN_BASE) if _STAND_IN_BASE <= ord(c) < _STAND_IN_BASE + 0x800 else c
        for c in cleaned
    )


#: Plane 15 private use: where lone surrogates wait while the sanitiser runs.
_STAND_IN_BASE = 0xF0000


def sanitise(value: Any, *, allow_html: bool = True) -> Any:
    """``createSanitizer({allowHtml, emptyStringToNull: true})``: strings purified, trimmed,
    blank → ``None``; lists and objects recursively (object keys are not sanitised).

    Raises :class:`StackExceeded` for a member nested deeper than Node's stack lets the real
    sanitiser go (see :data:`STACK`).

    Raises :class:`MarkupBudgetExceeded` before any parsing when the strings hold more than
    :data:`MARKUP_BUDGET` ``<`` characters in all.
    """
    if _markup(value, 0) > MARKUP_BUDGET:
        raise MarkupBudgetExceeded(f"more than {MARKUP_BUDGET} '<' characters in one request")
    return _sanitise(value, allow_html)


def _markup(value: Any, found: int) -> int:
    """``<`` characters in the strings of ``value`` (stops counting past the budget)."""
    stack = [value]
    while stack and found <= MARKUP_BUDGET:
        item = stack.pop()
        if isinstance(item, str):
            found += item.count("<")
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return found


#: Node 20.20.2's stack as Intake24's recursive sanitiser spends it, in units where one nested
#: array costs :data:`ARRAY_FRAME` and one nested object :data:`OBJECT_FRAME` (``Object.entries``
#: and ``reduce`` take more stack than ``map``). Measured with ``tools/intake24_sanitiser_depth.js``
#: (body-parser 2.2.0, express-validator 7.2.1 ``body('*')``, DOMPurify 3.2.6 on jsdom 26.1.0): a
#: field nested 2,569 arrays deep passes and 2,570 throws ``RangeError: Maximum call stack size
#: exceeded``; for objects 2,147 and 2,148. Alternating arrays and objects pass 1,171 pairs in Node,
#: the model 1,169 (V8's frames are not exactly additive).
ARRAY_FRAME, OBJECT_FRAME = 2148, 2570
STACK = 2569 * ARRAY_FRAME


class StackExceeded(Exception):
    """A value nested deeper than Intake24's recursive sanitiser goes (Node's ``RangeError``)."""


def _sanitise(value: Any, allow_html: bool) -> Any:
    """The sanitiser without recursion: each container is rebuilt from a work list, so no depth
    is beyond Python; the depth Node's stack allows is charged as it would be spent, from the
    top-level value's members (express-validator's ``*`` hands each to the sanitiser)."""
    if not isinstance(value, (list, dict)):
        return _leaf(value, allow_html)
    root: Any = [] if isinstance(value, list) else {}
    work: list[tuple[Any, Any, int]] = [(value, root, 0)]
    while work:
        source, target, spent = work.pop()
        items = enumerate(source) if isinstance(source, list) else source.items()
        for key, item in items:
            if isinstance(item, (list, dict)):
                cost = spent + (ARRAY_FRAME if isinstance(item, list) else OBJECT_FRAME)
                if cost > STACK:
                    raise StackExceeded("Maximum call stack size exceeded")
                child: Any = [] if isinstance(item, list) else {}
                work.append((item, child, cost))
            else:
                child = _leaf(item, allow_html)
            if isinstance(target, list):
                target.append(child)
            else:
                target[key] = child
    return root


def _leaf(value: Any, allow_html: bool) -> Any:
    if isinstance(value, str):
        return js_trim(purify(value, allow_html=allow_html)) or None
    return value
