"""Token-level checks: DuckDB-only spellings in compiled SQL, as written.

Run on sqlglot's Trino tokens, so comments are gone and a string literal is one
token: `'a::b'` or `-- x::int` never match. The AST would not do here: sqlglot
normalises `::`, `text`, `string_agg`, `median` and friends into Trino
spellings, hiding the DuckDB original.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from rfm_nbo.portability.catalogue import Violation
from rfm_nbo.portability.trino_reference import (
    DUCKDB_FUNCTION_PREFIXES,
    DUCKDB_FUNCTIONS,
    DUCKDB_TYPES,
    HASH_FUNCTIONS,
    INTERVAL_UNITS,
    SYNTAX_WORDS,
    TRINO_FUNCTIONS,
    TRINO_TYPE_WORDS,
    VARCHAR_FUNCTIONS,
)

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\s+[A-Za-z_][A-Za-z0-9_]*)*$")
_NOT_WORDS = {TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER}
# Tokens after which a name followed by "(" is a column list, not a call:
# `as t (x)`, `from t v (x)`, `(values ...) v (x)`, `schema.f(`.
_NOT_CALL_AFTER = {
    TokenType.ALIAS,
    TokenType.DOT,
    TokenType.VAR,
    TokenType.IDENTIFIER,
    TokenType.R_PAREN,
}


_STAR_MODIFIERS = {"exclude", "replace", "rename", "except"}


def _word(token: Token) -> str | None:
    """The token's text lower-cased when it is a bare word (keyword or name)."""
    if token.token_type in _NOT_WORDS or not _WORD.match(token.text):
        return None
    return token.text.lower()


def _matching_parens(tokens: list[Token]) -> dict[int, int]:
    """Index of each "(" -> index of its ")" (unbalanced ones are left out)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            stack.append(index)
        elif token.token_type == TokenType.R_PAREN and stack:
            pairs[stack.pop()] = index
    return pairs


@dataclass(frozen=True)
class _Call:
    """A function call as written: its name, its name token, its arguments."""

    name: str
    token: Token
    arguments: list[list[Token]]


def _arguments(tokens: list[Token], open_index: int, close_index: int) -> list[list[Token]]:
    """The top-level, comma-separated arguments between two parentheses."""
    arguments: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[open_index + 1 : close_index]:
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif token.token_type == TokenType.COMMA and depth == 0:
            arguments.append([])
            continue
        arguments[-1].append(token)
    return [] if arguments == [[]] else arguments


def _calls(tokens: list[Token], parens: dict[int, int]) -> Iterator[_Call]:
    """Function calls as written: a word followed by "(" that is not syntax,
    a column list (`as t (x)`) or a CTE column list (`name (a, b) as (`)."""
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        name = _word(token)
        if name is None or " " in name:  # `group by (`: keywords, not calls
            continue
        if index and tokens[index - 1].token_type in _NOT_CALL_AFTER:
            continue
        if index and tokens[index - 1].token_type == TokenType.STAR and name in _STAR_MODIFIERS:
            continue  # `* exclude (a)`: reported as star-modifier
        close = parens.get(index + 1)
        if close is None:
            continue
        after = tokens[close + 1 : close + 3]
        if [t.token_type for t in after] == [TokenType.ALIAS, TokenType.L_PAREN]:
            continue
        yield _Call(name, token, _arguments(tokens, index + 1, close))


def _violation(rule: str, token: Token, construct: str, advice: str) -> Violation:
    return Violation(token.line, rule, construct, advice)


def _next(tokens: list[Token], index: int) -> Token | None:
    return tokens[index + 1] if index + 1 < len(tokens) else None


def _check_operators(tokens: list[Token]) -> Iterator[Violation]:
    for index, token in enumerate(tokens):
        following = _next(tokens, index)
        kind = token.token_type
        if kind == TokenType.DCOLON:
            yield _violation("double-colon-cast", token, "::", "cast(x as type)")
        elif (
            kind == TokenType.SLASH
            and following is not None
            and following.token_type == TokenType.SLASH
            and following.line == token.line
            and following.col == token.col + 1
        ):
            yield _violation(
                "integer-division-operator", token, "//", "floor(a / b) on integers, or a / b"
            )
        elif kind == TokenType.EQ and token.text == "==":
            yield _violation("double-equals", token, "==", "=")
        elif kind == TokenType.DARROW:
            yield _violation(
                "json-arrow", token, "->>", "json_extract_scalar(json, '$.key') or json_value"
            )
        elif kind == TokenType.L_BRACE:
            yield _violation(
                "struct-literal", token, "{...}", "cast(row(...) as row(name type, ...))"
            )


def _check_keywords(tokens: list[Token]) -> Iterator[Violation]:
    for index, token in enumerate(tokens):
        word = _word(token)
        following = _next(tokens, index)
        next_word = _word(following) if following is not None else None
        if word == "ilike":
            yield _violation("ilike", token, "ilike", "lower(x) like lower(pattern)")
        elif word == "qualify":
            yield _violation(
                "qualify",
                token,
                "qualify",
                "compute the window function in a CTE, then filter it in the next one",
            )
        elif word in ("pivot", "unpivot"):
            yield _violation(
                "pivot", token, word, "conditional aggregation (sum(case when ...)) or union all"
            )
        elif word == "using" and next_word == "sample":
            yield _violation("using-sample", token, "using sample", "tablesample bernoulli (p)")
        elif word == "distinct" and next_word == "on":
            yield _violation(
                "distinct-on",
                token,
                "distinct on",
                "row_number() over (partition by ... order by ...) = 1 in a CTE",
            )
        elif word in ("asof", "positional", "anti", "semi", "natural") and next_word == "join":
            yield _violation(
                "join-type",
                token,
                f"{word} join",
                "inner/left join with explicit conditions, or (not) exists",
            )
        elif token.token_type == TokenType.STAR and next_word in _STAR_MODIFIERS - {"except"}:
            yield _violation("star-modifier", token, f"* {next_word}", "list the columns you want")
        elif (
            token.token_type == TokenType.STAR
            and next_word == "except"
            and _next(tokens, index + 1) is not None
            and tokens[index + 2].token_type == TokenType.L_PAREN
        ):
            yield _violation("star-modifier", token, "* except", "list the columns you want")


_GROUP_END = {
    TokenType.HAVING,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.R_PAREN,
    TokenType.UNION,
    TokenType.INTERSECT,
    TokenType.EXCEPT,
    TokenType.WINDOW,
    TokenType.QUALIFY,
    TokenType.SEMICOLON,
}


def _check_by_all(tokens: list[Token]) -> Iterator[Violation]:
    for index, token in enumerate(tokens):
        following = _next(tokens, index)
        if following is None or following.token_type != TokenType.ALL:
            continue
        after = _next(tokens, index + 1)
        if token.token_type == TokenType.ORDER_BY or (
            token.token_type == TokenType.GROUP_BY
            and (after is None or after.token_type in _GROUP_END)
        ):
            clause = "order by all" if token.token_type == TokenType.ORDER_BY else "group by all"
            yield _violation("group-by-all", token, clause, "list the columns (or their positions)")


def _check_interval(tokens: list[Token], spans: list[tuple[int, int]]) -> Iterator[Violation]:
    inside_types = {i for first, last in spans for i in range(first, last + 1)}
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.INTERVAL or index in inside_types:
            continue
        value = _next(tokens, index)
        unit = _next(tokens, index + 1)
        if (
            value is not None
            and value.token_type == TokenType.STRING
            and unit is not None
            and (_word(unit) or "") in INTERVAL_UNITS
        ):
            continue
        written = token.text
        if value is not None:
            quoted = value.token_type == TokenType.STRING
            written += f" '{value.text}'" if quoted else f" {value.text}"
        if unit is not None and (_word(unit) or "").rstrip("s") in INTERVAL_UNITS:
            written += f" {unit.text}"
        yield _violation(
            "interval-literal",
            token,
            written,
            "interval '<n>' <unit>, or {{ dbt.dateadd(part, n, date) }}",
        )


def _function_advice(name: str) -> str:
    if name in DUCKDB_FUNCTIONS:
        return DUCKDB_FUNCTIONS[name]
    for prefix, advice in DUCKDB_FUNCTION_PREFIXES.items():
        if name.startswith(prefix):
            return advice
    return (
        "a Trino function (trino.io/docs/current/functions/list.html), or an "
        "adapter.dispatch macro with an athena__ version (macros/cross_db/)"
    )


def _is_varchar_argument(argument: list[Token]) -> bool:
    """True when the argument is provably text: a string literal, a `||`
    concatenation at its top level, or a call of a varchar function."""
    if not argument:
        return False
    if argument[0].token_type == TokenType.STRING:
        return True
    depth = 0
    for token in argument:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.DPIPE and depth == 0:
            return True
    first = _word(argument[0])
    return (
        first in VARCHAR_FUNCTIONS
        and len(argument) > 1
        and argument[1].token_type == TokenType.L_PAREN
    )


def _is_never_null(argument: list[Token]) -> bool:
    """A literal, a coalesce(...) or a nested greatest/least (checked on its own)."""
    if len(argument) == 1 and argument[0].token_type in (TokenType.NUMBER, TokenType.STRING):
        return True
    if len(argument) == 2 and argument[0].token_type == TokenType.DASH:
        return argument[1].token_type == TokenType.NUMBER
    return (
        len(argument) > 2
        and _word(argument[0]) in ("coalesce", "greatest", "least")
        and argument[1].token_type == TokenType.L_PAREN
        and argument[-1].token_type == TokenType.R_PAREN
    )


def _check_calls(tokens: list[Token], parens: dict[int, int]) -> Iterator[Violation]:
    for call in _calls(tokens, parens):
        name = call.name
        if name in SYNTAX_WORDS:  # unnest() placement is checked on the AST
            continue
        if name not in TRINO_FUNCTIONS:
            yield _violation("unknown-function", call.token, f"{name}()", _function_advice(name))
            continue
        if name == "log" and len(call.arguments) == 1:
            yield _violation(
                "function-signature",
                call.token,
                "log(x)",
                "log10(x) (DuckDB's log(x) is base 10) or ln(x); Trino's log is log(b, x)",
            )
        elif name == "to_timestamp" and len(call.arguments) == 1:
            yield _violation(
                "function-signature",
                call.token,
                "to_timestamp(x)",
                "from_unixtime(seconds)",
            )
        elif name in ("date_add", "date_diff") and (
            not call.arguments
            or not call.arguments[0]
            or call.arguments[0][0].token_type != TokenType.STRING
        ):
            yield _violation(
                "function-signature",
                call.token,
                f"{name}(...) without a unit string first",
                f"{name}('day', ...) or the dbt.dateadd / dbt.datediff macros",
            )
        elif name in ("greatest", "least") and not all(
            _is_never_null(argument) for argument in call.arguments
        ):
            yield _violation(
                "greatest-least-null",
                call.token,
                f"{name}(...)",
                "coalesce() every argument that can be null (or annotate the line with "
                "`-- athena-check: allow greatest-least-null` when it cannot)",
            )
        elif name in HASH_FUNCTIONS and call.arguments and _is_varchar_argument(call.arguments[0]):
            yield _violation(
                "hash-of-varchar",
                call.token,
                f"{name}(<varchar>)",
                f"{name}(to_utf8(text)); lower(to_hex(...)) for hex text",
            )


def _cast_type_spans(tokens: list[Token], parens: dict[int, int]) -> Iterator[tuple[int, int]]:
    """(first, last) token indexes of the type in each cast(x as type) / try_cast."""
    for index, token in enumerate(tokens[:-1]):
        if _word(token) not in ("cast", "try_cast"):
            continue
        if tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        close = parens.get(index + 1)
        if close is None:
            continue
        depth = 0
        for position in range(index + 2, close):
            kind = tokens[position].token_type
            if kind in (TokenType.L_PAREN, TokenType.L_BRACKET):
                depth += 1
            elif kind in (TokenType.R_PAREN, TokenType.R_BRACKET):
                depth -= 1
            elif kind == TokenType.ALIAS and depth == 0:
                yield position + 1, close - 1
                break


def _check_cast_types(tokens: list[Token], spans: list[tuple[int, int]]) -> Iterator[Violation]:
    for first, last in spans:
        constructors: list[str | None] = []
        field_name_next = False
        previous: str | None = None
        for token in tokens[first : last + 1]:
            kind = token.token_type
            if kind == TokenType.L_PAREN:
                constructors.append(previous)
                field_name_next = previous in ("row", "struct")
                continue
            if kind == TokenType.R_PAREN:
                if constructors:
                    constructors.pop()
                field_name_next = False
                continue
            if kind == TokenType.COMMA:
                field_name_next = bool(constructors) and constructors[-1] in ("row", "struct")
                continue
            if kind in (TokenType.L_BRACKET, TokenType.R_BRACKET):
                if kind == TokenType.L_BRACKET:
                    yield _violation("type-name", token, "type[]", "array(type)")
                continue
            if kind in (TokenType.NUMBER, TokenType.STRING):
                continue
            if field_name_next:
                field_name_next = False
                previous = None
                continue
            word = _word(token)
            if word is None:
                continue
            for part in word.split():
                if part not in TRINO_TYPE_WORDS:
                    yield _violation(
                        "type-name",
                        token,
                        token.text,
                        DUCKDB_TYPES.get(part, "a Trino type (types.md)"),
                    )
                    break
            previous = word.split()[-1]


def _check_list_literals(tokens: list[Token], spans: list[tuple[int, int]]) -> Iterator[Violation]:
    inside_types = {i for first, last in spans for i in range(first, last + 1)}
    subscript_after = {
        TokenType.VAR,
        TokenType.IDENTIFIER,
        TokenType.R_PAREN,
        TokenType.R_BRACKET,
        TokenType.ARRAY,
    }
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.L_BRACKET or index in inside_types:
            continue
        if index and tokens[index - 1].token_type in subscript_after:
            continue
        yield _violation("list-literal", token, "[...]", "ARRAY[...]")


def token_violations(tokens: list[Token]) -> Iterator[Violation]:
    """Every token-level violation (unsorted, possibly several per line)."""
    parens = _matching_parens(tokens)
    spans = list(_cast_type_spans(tokens, parens))
    yield from _check_operators(tokens)
    yield from _check_keywords(tokens)
    yield from _check_by_all(tokens)
    yield from _check_interval(tokens, spans)
    yield from _check_calls(tokens, parens)
    yield from _check_cast_types(tokens, spans)
    yield from _check_list_literals(tokens, spans)
