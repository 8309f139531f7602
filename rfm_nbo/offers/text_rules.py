"""Patterns for what customer-facing copy must not contain, shared by every check.

One place for the regular expressions, so the prompt sanitizer (what goes to
the model), the answer validator (what comes back) and the template tests
(what we write ourselves) agree on what a link, an e-mail address, markup or a
template placeholder is.
"""

from __future__ import annotations

import re

# Links: a scheme, "www.", or a bare domain with a common top-level domain.
URL_PATTERN = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://\S+)"
    r"|(?:\bwww\.\S+)"
    r"|(?:\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
    r"(?:com|net|org|io|co|uk|de|fr|es|it|nl|eu|us|biz|info|shop|store|online|app|ly|me)\b)",
    re.IGNORECASE,
)
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Markup: HTML tags or entities, Markdown emphasis, code, links, headings, lists, quotes.
MARKUP_PATTERN = re.compile(
    r"(?:</?[a-z!][^>]*>)"  # HTML tag or comment
    r"|(?:&[a-z]+;|&#\d+;)"  # HTML entity
    r"|(?:\*\*|__|`|~~)"  # Markdown bold, code, strike-through
    r"|(?:\[[^\]]*\]\([^)]*\))"  # Markdown link
    r"|(?:^\s{0,3}(?:#{1,6}|[-*+]|>)\s)",  # Markdown heading, list item or quote
    re.IGNORECASE | re.MULTILINE,
)
# Template placeholders ({first_name}, {{ name }}, ${x}) and any stray brace.
BRACE_PATTERN = re.compile(r"[{}]|\$\{")

# A percentage written in the copy: "15%", "15 %", "7.5 percent".
PERCENT_PATTERN = re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:%|percent\b)", re.IGNORECASE)


def forbidden_content(text: str) -> str | None:
    """What makes ``text`` unfit for customer copy (link, e-mail, markup, braces), or None."""
    if URL_PATTERN.search(text):
        return "url"
    if EMAIL_PATTERN.search(text):
        return "email"
    if MARKUP_PATTERN.search(text):
        return "markup"
    if BRACE_PATTERN.search(text):
        return "template_braces"
    return None


def percentages(text: str) -> list[float]:
    """Every percentage the text mentions, as numbers (``"15%"`` -> 15.0)."""
    return [float(match.replace(",", ".")) for match in PERCENT_PATTERN.findall(text)]
