"""What the browser tests share: the site's pages and small in-page measurements."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ringcheck.checker import CheckResult, check
from ringcheck.datatables import tables
from ringcheck.risk import CallContext

# A Nigerian mobile: a classic unexpected call from abroad.
NUMBER = "+2348031234567"
NUMBER_TYPED = "+234 803 123 4567"

# 17 digits (the most ringcheck accepts) shown as one long unbroken group, with a long
# story in "claimed" (200 characters, the most the page keeps) holding an unbroken
# reference such as callers read out.
LONG_NUMBER = "+88216123456789012"
LONG_CLAIMED = (
    "Her Majesty's Revenue and Customs fraud prevention team, case reference "
    "HMRC-TAXREFUND-2024-000000123456789-URGENT-ACTION-REQUIRED-CALL-BACK-IMMEDIATELY-"
    "OR-A-WARRANT-WILL-BE-ISSUED-FOR-YOUR-ARREST-TODAY"
)[:200]
LONG_RESULT = f"/number/{LONG_NUMBER}?claimed={quote(LONG_CLAIMED)}&rang=2"

# Every page a person can reach, by a short name used in test ids and file names.
PAGES: dict[str, str] = {
    "home": "/",
    "result": f"/number/{NUMBER}",
    "result-with-context": f"/number/{NUMBER}?claimed=my+bank&rang=2&recorded=1",
    "result-with-other-numbers": "/number/+442071234567?also=%2B442071234568%2C%2B449061234567",
    "guide": "/guide",
    "codes": "/codes",
    "codes-filtered": "/codes?q=44",
    "about": "/about",
    "recent": "/recent",
    "triage": "/triage",
    "not-found": "/no-such-page",
    "not-a-number": "/number/hello%20there",
    "docs": "/docs",
}


def expected(number: str, context: CallContext | None = None) -> CheckResult:
    """What the core says about this number, as the server (default settings) does."""
    return check(number, context)


def level_words(result: CheckResult) -> str:
    return str(tables().wording.level[result.verdict.level])


def settle(page: Any, path: str) -> None:
    """Wait until the page at ``path`` has finished drawing (Swagger UI draws late)."""
    page.wait_for_load_state("load")
    if path.startswith("/docs"):
        page.wait_for_function(DOCS_DRAWN, timeout=15_000)


# Swagger UI has drawn either the operations or an error message.
DOCS_DRAWN = """() => {
  const ui = document.querySelector("#swagger-ui");
  return !!ui && (ui.querySelector(".opblock") !== null
    || /Unable to render|Failed to load|could not be loaded/.test(ui.innerText));
}"""


# The focused element's look, and whether the element focused before it looks different
# now that it has lost focus (a focus indicator may be an outline, a shadow, a colour...).
FOCUS_STATE = """() => {
  const look = (el) => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
            s.color, s.textDecorationLine, s.borderColor, s.borderWidth].join("|");
  };
  let previous = null;
  if (window.__focused && window.__focused.el !== document.activeElement) {
    previous = {changed: look(window.__focused.el) !== window.__focused.look,
                id: window.__focused.el.id, tag: window.__focused.el.tagName.toLowerCase()};
  }
  const el = document.activeElement;
  if (!el || el === document.body) { window.__focused = null; return {body: true, previous}; }
  window.__focused = {el: el, look: look(el)};
  const r = el.getBoundingClientRect();
  return {
    body: false,
    previous: previous,
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    href: el.getAttribute("href") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 60),
    inHeader: !!el.closest("header"),
    inForm: !!el.closest("form"),
    focusVisible: el.matches(":focus-visible"),
    top: r.top + window.scrollY,
    onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < window.innerHeight && r.left < window.innerWidth,
  };
}"""


def focus_state(page: Any) -> dict[str, Any]:
    """Where keyboard focus is, whether it is on screen, and whether the element that had
    focus before changed its look when it lost it (``previous``)."""
    state: dict[str, Any] = page.evaluate(FOCUS_STATE)
    return state


def focus(page: Any) -> dict[str, Any] | None:
    """The focused element's state, or None when nothing but the page has focus."""
    state = focus_state(page)
    return None if state["body"] else state


def describe(state: dict[str, Any] | None) -> str:
    if state is None:
        return "<body>"
    label = state["id"] or state["name"] or state["href"] or state["text"]
    return f"<{state['tag']} {label!r}>"


OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 1 && r.width > 0) {
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className : "")
        + " right=" + Math.round(r.right));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          wide: wide.slice(0, 8)};
}"""
