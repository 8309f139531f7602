"""The call budget: a build stops before its first LLM call if it would need too many.

Calls per build are at most one per segment with at least one offered product
(within ``llm_products_per_segment``) whose copy is not cached, which is known
before anything is sent. If that number exceeds
``llm_max_calls_per_build``, nothing is sent and the build fails with the
number needed and the two ways out. botocore's own retries of a throttled or
failed call are not extra calls here: they are bounded by the client's
``max_attempts``.
"""

from __future__ import annotations

BUDGET_VAR = "llm_max_calls_per_build"
DEFAULT_MAX_CALLS_PER_BUILD = 20


class LlmBudgetExceeded(RuntimeError):
    """The build would make more LLM calls than the budget allows."""


def check_llm_budget(calls_needed: int, max_calls: int) -> None:
    """Raise ``LlmBudgetExceeded`` when ``calls_needed`` > ``max_calls``; do nothing otherwise."""
    if max_calls < 0:
        raise ValueError(f"{BUDGET_VAR} must be 0 or more, got {max_calls}")
    if calls_needed <= max_calls:
        return
    raise LlmBudgetExceeded(
        f"Offer copy needs {calls_needed} Bedrock call(s) ({calls_needed} segment(s) have "
        f"products without cached copy) but var {BUDGET_VAR} is {max_calls}. "
        "Nothing was sent. Raise it, e.g. "
        f"dbt build --vars '{{{BUDGET_VAR}: {calls_needed}}}', or write the copy offline with "
        "--vars '{llm_provider: template}'."
    )
