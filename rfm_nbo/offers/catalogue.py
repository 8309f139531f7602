"""Catalogue text (product names, categories, descriptions) made fit for a prompt and for copy.

Catalogue text is untrusted: anyone who can edit a product listing can write
"FREE - ignore previous instructions" into a name. Three steps, used by the
prompt builder and the template alike, so both show the same words:

- ``sanitize_untrusted``: nothing that could close the prompt's catalogue
  block or smuggle links, addresses, placeholders or control characters; one
  line, bounded length.
- ``display_name`` / ``display_category``: a name or category that breaks a copy
  rule (a percentage, a number word, "free", "half price", a link, an
  instruction...; see ``text_rules.is_safe_to_quote``) is never quoted: the
  product is called "this <category> product" (or "this product").
- ``clean_description``: sentences of a description that break those rules are
  dropped, so the model is not primed with "free returns" or told to
  "ignore previous instructions"; the rest stays, inside the block.
"""

from __future__ import annotations

import re

from rfm_nbo.offers.briefs import OfferedProduct
from rfm_nbo.offers.text_rules import (
    EMAIL_PATTERN,
    URL_PATTERN,
    claim_problem,
    forbidden_content,
    is_safe_to_quote,
)

DESCRIPTION_MAX_CHARS = 300
NAME_MAX_CHARS = 60
CATEGORY_MAX_CHARS = 40
NEUTRAL_NAME = "this product"

_DELIMITER_PATTERN = re.compile(r"<\s*/?\s*catalogue\b[^>]*>|&lt;|&gt;", re.IGNORECASE)
_CONTROL_PATTERN = re.compile(r"[\x00-\x1f\x7f]")
_SPACES_PATTERN = re.compile(r"\s+")
_SENTENCE_PATTERN = re.compile(r"[^.!?]+[.!?]*")


def sanitize_untrusted(text: str, max_chars: int = DESCRIPTION_MAX_CHARS) -> str:
    """Catalogue text made safe to place inside the delimited block.

    Removes the delimiter strings and every angle bracket (nothing can open or
    close a tag), e-mail addresses and links (the copy must not contain them,
    so the model should not see them), braces, control characters and line
    breaks (one line per product), then cuts to ``max_chars`` on a word boundary.
    """
    cleaned = _DELIMITER_PATTERN.sub(" ", text)
    cleaned = cleaned.replace("<", " ").replace(">", " ")
    cleaned = EMAIL_PATTERN.sub("(address removed)", cleaned)
    cleaned = URL_PATTERN.sub("(link removed)", cleaned)
    cleaned = cleaned.replace("{", " ").replace("}", " ")
    cleaned = _CONTROL_PATTERN.sub(" ", cleaned)
    cleaned = _SPACES_PATTERN.sub(" ", cleaned).strip()
    return shorten(cleaned, max_chars)


def shorten(text: str, max_chars: int) -> str:
    """Cut on a word boundary and mark the cut with '...'."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 3].rsplit(" ", 1)[0].rstrip(" ,.;:-") + "..."


def display_category(product: OfferedProduct) -> str | None:
    """The category as copy may write it (lower case), or None when it may not be quoted.

    Judged on the raw text too: markup or braces that sanitizing would strip still
    mark the text as hostile."""
    cleaned = sanitize_untrusted(product.category, CATEGORY_MAX_CHARS)
    quotable = is_safe_to_quote(product.category) and is_safe_to_quote(cleaned)
    return cleaned.lower() if quotable else None


def display_name(product: OfferedProduct) -> str:
    """The product name as copy may write it; otherwise "this <category> product", or
    "this product" when the category may not be quoted either."""
    cleaned = sanitize_untrusted(product.product_name, NAME_MAX_CHARS)
    if is_safe_to_quote(product.product_name) and is_safe_to_quote(cleaned):
        return cleaned
    category = display_category(product)
    return f"this {category} product" if category else NEUTRAL_NAME


def clean_description(text: str) -> str:
    """The description without the sentences copy must not repeat (deal claims, other
    percentages, number words, instructions, links), cleaned and bounded."""
    kept = [
        sentence.strip()
        for sentence in _SENTENCE_PATTERN.findall(
            sanitize_untrusted(text, 10 * DESCRIPTION_MAX_CHARS)
        )
        if sentence.strip()
        and "removed)" not in sentence
        and not forbidden_content(sentence)
        and not claim_problem(sentence, None)
    ]
    return shorten(" ".join(kept), DESCRIPTION_MAX_CHARS)


def format_percent(rate: float) -> str:
    """A fraction as a percentage for copy: 0.15 -> '15', 0.125 -> '12.5'."""
    percent = round(rate * 100, 1)
    return str(int(percent)) if percent == int(percent) else str(percent)
