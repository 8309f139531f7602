"""What customer-facing copy must not contain, in one place for every check.

The prompt builder (what the model is given), the answer validator (what comes
back) and the template (what we write ourselves, and which product names it may
quote) all ask these functions, so they agree on what a link, an e-mail
address, markup, a placeholder, a percentage, a deal claim or an instruction is.

The rule behind the discount checks: copy may state the offer's discount in
exactly one form, ASCII digits followed by ``%`` ("15%"), equal to the offer's
discount. Every other way of writing a percentage or a price cut ("15
percent", "fifteen", "15 pct", "half price", "free", "buy one get one", "$5 off")
is refused, because a customer may read it as a promise the discount does not
keep, and a checker cannot verify it. Text is compared after Unicode
compatibility normalisation (NFKC: the full-width percent sign U+FF05 and
full-width digits become ``%`` and ASCII digits), with invisible format
characters (zero-width spaces) removed and case folded, so "FREE" in
full-width letters or with a zero-width space inside is still "free".
Look-alike letters from other scripts (a Cyrillic small ie, U+0435, for "e")
are not caught: the template never writes them and the LLM has no reason to.
"""

from __future__ import annotations

import re
import unicodedata

# Links: a scheme with "//", "www.", or a bare domain with a common top-level domain.
URL_PATTERN = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://\S+)"
    r"|(?:\bwww\.\S+)"
    r"|(?:\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
    r"(?:com|net|org|io|co|uk|de|fr|es|it|nl|eu|us|biz|info|shop|store|online|app|ly|me)\b)",
    re.IGNORECASE,
)
# URI schemes without "//" that a mail client or browser would act on (javascript:alert(1),
# data:text/html,..., mailto:, tel:), spaces before the colon allowed; and any other
# scheme-shaped word glued to what follows ("intent:x", "itms-apps:x"). Copy writes
# "Last chance: 15% off" with a space, which is not a scheme.
URI_SCHEME_PATTERN = re.compile(
    r"\b(?:javascript|vbscript|livescript|data|file|mailto|tel|sms|callto|ftp|blob|about"
    r"|intent|market|itms(?:-[a-z]+)?|chrome|ms-[a-z-]+)\s*:"
    r"|\b[a-z][a-z0-9+.-]*:(?=[^\s\d])",
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

# The one allowed way to state a discount: ASCII digits, then "%" (a space allowed).
PERCENT_PATTERN = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?%")
# Percentage points: "15%" matches a discount of 0.1504, not 0.151.
PERCENT_TOLERANCE = 0.05
# Percent-like signs that NFKC does not turn into "%": Arabic percent, per mille and
# per ten thousand (Latin and Arabic), the commercial minus sign used for percent.
OTHER_PERCENT_SIGNS = frozenset("\u066a\u2030\u2031\u0609\u060a\u2052")
PERCENT_WORD_PATTERN = re.compile(r"\bper\s*-?\s*cent\b|\bpercent(?:age)?s?\b|\bpct\b")
NUMBER_WORDS = (
    *("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"),
    *("twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    *("nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty"),
    *("ninety", "hundred", "thousand", "dozen"),
)
# "one" alone is ordinary English ("one of our best customers"); with a percent word it
# is caught by PERCENT_WORD_PATTERN, in "buy one get one" by DEAL_PATTERNS.
NUMBER_WORD_PATTERN = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b")

# Deals the discount does not give: free things, fractions off, multi-buys, money off.
DEAL_PATTERNS = (
    re.compile(r"\bfree(?:bies?|s)?\b|\bgratis\b|\bcomplimentary\b|\bon the house\b"),
    re.compile(r"\bno (?:extra )?(?:charge|cost)\b|\bat no cost\b|\bcosts? nothing\b"),
    re.compile(r"\bhalf[\s-]*(?:price[ds]?|off)\b|\bhalf the price\b|\bprices? halved\b"),
    re.compile(r"\b(?:a\s+)?(?:third|quarter)[\s-]+off\b"),
    re.compile(
        r"\bbogof?\b|\bb\d+g\d+\b"
        r"|\bbuy\s+(?:\d+|one|two|three)\b,?\s*(?:and\s+)?get\s+(?:\d+|one|two|another)\b"
    ),
    re.compile(r"\b(?:\d+|one|two|three)\s*-?\s*for\s*-?\s*(?:\d+|one|two)\b"),
    re.compile(r"[$£€¥₹₩]\s?\d|\d\s?[$£€¥₹₩]"),
    re.compile(r"\b(?:usd|gbp|eur|jpy)\s?\d|\d+(?:[.,]\d+)?\s*(?:usd|gbp|eur|dollars?|bucks)\b"),
    re.compile(r"\d+(?:[.,]\d+)?\s*(?:pounds?|euros?|quid|cents?)\s+off\b"),
)

# Text written to steer a model rather than to describe a product.
INSTRUCTION_PATTERNS = (
    re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}"
        r"\b(?:instructions?|rules?|prompts?|guidelines|directions|messages?|context)\b"
    ),
    re.compile(r"\bsystem\s*(?:prompt|message)\b|\b(?:system|assistant|developer)\s*:"),
    re.compile(r"\byou are now\b|\bnew instructions?\b|\bjailbreak\b|\bdeveloper mode\b"),
    re.compile(r"\bact as\b|\bpretend (?:to be|you)\b|\bdo anything now\b"),
)


def normalise(text: str) -> str:
    """NFKC, without invisible format characters (zero-width space, joiners), case-folded."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").casefold()


def forbidden_content(text: str) -> str | None:
    """What makes ``text`` unfit for copy as such (link, URI scheme, e-mail, markup,
    braces), or None."""
    plain = normalise(text)
    if URL_PATTERN.search(plain):
        return "url"
    if URI_SCHEME_PATTERN.search(plain):
        return "uri_scheme"
    if EMAIL_PATTERN.search(plain):
        return "email"
    if MARKUP_PATTERN.search(plain):
        return "markup"
    if BRACE_PATTERN.search(plain):
        return "template_braces"
    return None


def percentages(text: str) -> list[float]:
    """Every percentage written as ASCII digits and ``%`` (after NFKC): "15%" -> 15.0."""
    return [float(match.replace(",", ".")) for match in PERCENT_PATTERN.findall(normalise(text))]


def other_discount_form(text: str) -> str | None:
    """A percentage or number written any other way than digits and "%", or None.

    Catches percent signs other than after digits ("%15", "٪", "‰"), the words
    "percent"/"per cent"/"pct", number words ("ten", "twenty-five"), and
    numerals outside ASCII that NFKC keeps ("½", Arabic-Indic digits).
    """
    if any(ch in OTHER_PERCENT_SIGNS for ch in text):
        return "percent sign"
    plain = normalise(text)
    if "%" in PERCENT_PATTERN.sub(" ", plain):
        return "percent sign"
    if PERCENT_WORD_PATTERN.search(plain):
        return "percent word"
    if NUMBER_WORD_PATTERN.search(plain):
        return "number word"
    if any(_is_other_numeral(ch) for ch in text):
        return "numeral"
    return None


def _is_other_numeral(ch: str) -> bool:
    """A numeral that is not an ASCII digit once normalised ("½", Arabic-Indic digits; not
    the full-width digits, which NFKC turns into ASCII)."""
    if ch.isascii() or unicodedata.numeric(ch, None) is None:
        return False
    return not unicodedata.normalize("NFKC", ch).isascii()


def deal_claim(text: str) -> str | None:
    """The first deal the text promises besides a percentage (free, half price, BOGO,
    money off, a currency amount), or None."""
    plain = normalise(text)
    for pattern in DEAL_PATTERNS:
        found = pattern.search(plain)
        if found:
            return found.group(0)
    return None


def instruction_text(text: str) -> str | None:
    """Text that addresses a model ("ignore previous instructions", "system:"), or None."""
    plain = normalise(text)
    for pattern in INSTRUCTION_PATTERNS:
        found = pattern.search(plain)
        if found:
            return found.group(0)
    return None


def claim_problem(text: str, discount_rate: float | None) -> str | None:
    """The validator's reason for a piece of copy that claims what the offer does not give.

    ``discount_rate`` is the offer's discount; None means no percentage may appear
    at all (product names, categories). Reasons: ``contains_instructions``,
    ``copy_mentions_other_discount`` (digits-and-% other than the discount),
    ``copy_spells_out_a_discount`` (any other percentage or number form),
    ``copy_promises_other_deal`` (free, half price, BOGO, money off).
    """
    if instruction_text(text):
        return "contains_instructions"
    offered = None if discount_rate is None or discount_rate <= 0 else discount_rate * 100
    for percent in percentages(text):
        if offered is None or abs(percent - offered) > PERCENT_TOLERANCE:
            return "copy_mentions_other_discount"
    if other_discount_form(text):
        return "copy_spells_out_a_discount"
    if deal_claim(text):
        return "copy_promises_other_deal"
    return None


def is_safe_to_quote(text: str) -> bool:
    """True when catalogue text (a product name, a category) may appear in copy verbatim:
    no link, scheme, address, markup, braces, percentage or number word, deal or instruction."""
    return bool(text.strip()) and not (
        forbidden_content(text) or claim_problem(text, None) or "removed)" in text
    )
