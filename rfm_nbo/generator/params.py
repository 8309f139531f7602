"""Generation parameters: with the seed, they fix every byte the generator writes.

Chunk size is deliberately not here: output does not depend on it (see
`rfm_nbo.generator.rng`), so it is a run option, not a parameter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, DEFAULT_TYPE_SHARES

DEFAULT_END_AT = datetime(2026, 6, 30, 23, 59, 59)
MIN_HISTORY_DAYS = 730
MAX_CAMPAIGNS = 30
# Campaign sends are spread evenly between these many days before the end.
FIRST_SEND_DAYS_BEFORE_END = 330
LAST_SEND_DAYS_BEFORE_END = 35
# How each customer's orders are timed: "profiles" by the behaviour types
# (`behaviour`), "bgnbd" exactly by the BG/NBD model (`bgnbd`).
PURCHASE_PROCESSES = ("profiles", "bgnbd")
BGNBD_FIELDS = ("bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b")


def send_days_before_end(count: int) -> np.ndarray:
    """Whole days before the end at which each campaign starts, oldest first."""
    return np.round(
        np.linspace(FIRST_SEND_DAYS_BEFORE_END, LAST_SEND_DAYS_BEFORE_END, count)
        if count > 1
        else np.full(count, LAST_SEND_DAYS_BEFORE_END)
    ).astype(np.int64)


@dataclass(frozen=True)
class GeneratorParams:
    """Everything, besides the code, that the generated data depends on.

    Times are naive datetimes meaning UTC. Rates are fractions 0..1.
    """

    seed: int = 42
    customers: int = 2_000
    products: int = 200
    end_at: datetime = DEFAULT_END_AT
    history_days: int = MIN_HISTORY_DAYS
    type_shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TYPE_SHARES))
    cancel_rate: float = 0.05
    return_rate: float = 0.04
    guest_rate: float = 0.03
    partial_return_rate: float = 0.03
    discount_rate: float = 0.12
    marketing_opt_in_rate: float = 0.72
    # Per-channel consent (rfm_nbo.generator.consent, its own random stream).
    email_opt_out_rate: float = 0.05
    sms_opt_in_rate: float = 0.40
    push_opt_in_rate: float = 0.30
    consent_unknown_rate: float = 0.05
    unsubscribed_rate: float = 0.02
    campaigns: int = 4
    campaign_reach: float = 0.35
    treatment_share: float = 0.8
    attribution_window_days: int = 14
    defects_per_class: int = 3
    purchase_process: str = "profiles"
    # BG/NBD (Fader, Hardie & Lee 2005), used when purchase_process is "bgnbd":
    # purchase rate ~ Gamma(shape r, rate alpha) per day, dropout ~ Beta(a, b).
    bgnbd_r: float = 0.25
    bgnbd_alpha: float = 40.0
    bgnbd_a: float = 0.8
    bgnbd_b: float = 2.5

    @property
    def end_epoch(self) -> int:
        """End of history as Unix seconds (UTC)."""
        return int(self.end_at.replace(tzinfo=UTC).timestamp())

    @property
    def start_epoch(self) -> int:
        """First second of the order history (UTC)."""
        return self.end_epoch - self.history_days * 86_400

    def shares_array(self) -> list[float]:
        """Type shares in `BEHAVIOUR_TYPES` order, normalised to sum to 1."""
        total = sum(self.type_shares.values())
        return [self.type_shares[name] / total for name in BEHAVIOUR_TYPES]

    def validate(self) -> None:
        """Raise ValueError naming the parameter and what would be accepted."""
        problems: list[str] = []
        if self.customers < 1:
            problems.append("customers must be at least 1")
        if self.products < 8:
            problems.append("products must be at least 8 (one per category)")
        if self.history_days < MIN_HISTORY_DAYS:
            problems.append(
                f"history_days must be at least {MIN_HISTORY_DAYS}: the behaviour types "
                "need two years (lost customers stopped up to 700 days ago)"
            )
        unknown = set(self.type_shares) - set(BEHAVIOUR_TYPES)
        missing = set(BEHAVIOUR_TYPES) - set(self.type_shares)
        if unknown or missing:
            problems.append(
                f"type_shares needs exactly the types {', '.join(BEHAVIOUR_TYPES)}"
                f" (unknown: {sorted(unknown)}, missing: {sorted(missing)})"
            )
        elif any(share < 0 for share in self.type_shares.values()) or not sum(
            self.type_shares.values()
        ):
            problems.append("type_shares must be non-negative and not all zero")
        for name in (
            "cancel_rate",
            "return_rate",
            "guest_rate",
            "partial_return_rate",
            "discount_rate",
            "marketing_opt_in_rate",
            "email_opt_out_rate",
            "sms_opt_in_rate",
            "push_opt_in_rate",
            "consent_unknown_rate",
            "unsubscribed_rate",
            "campaign_reach",
            "treatment_share",
        ):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name} must be between 0 and 1, got {value}")
        if self.cancel_rate + self.return_rate >= 1:
            problems.append("cancel_rate + return_rate must be below 1")
        if self.guest_rate >= 1:
            problems.append("guest_rate must be below 1")
        if not 0 <= self.campaigns <= MAX_CAMPAIGNS:
            problems.append(f"campaigns must be between 0 and {MAX_CAMPAIGNS}")
        if not 1 <= self.attribution_window_days <= 30:
            problems.append("attribution_window_days must be between 1 and 30")
        elif self.campaigns > 1:
            # A campaign's responses and its members' moved background orders must
            # stay out of the next campaign's window (campaigns.py), or the measured
            # response would not be the planted one: starts one window + 1 day apart.
            gap = int(np.abs(np.diff(send_days_before_end(self.campaigns))).min())
            if gap < self.attribution_window_days + 1:
                problems.append(
                    f"{self.campaigns} campaigns start {gap} days apart, less than "
                    f"attribution_window_days + 1 ({self.attribution_window_days + 1}): "
                    "use fewer campaigns or a shorter window"
                )
        if not 0 <= self.defects_per_class <= 50:
            problems.append("defects_per_class must be between 0 and 50")
        problems.extend(self._purchase_process_problems())
        if self.end_at.year >= 2099:
            problems.append("end_at must be before 2099 (planted future timestamps are in 2099)")
        if problems:
            raise ValueError("Invalid generator parameters: " + "; ".join(problems))

    def _purchase_process_problems(self) -> list[str]:
        """What is wrong with the purchase process and its BG/NBD parameters."""
        if self.purchase_process not in PURCHASE_PROCESSES:
            return [f"purchase_process must be one of {', '.join(PURCHASE_PROCESSES)}"]
        problems = [
            f"{name} must be a positive number, got {getattr(self, name)}"
            for name in BGNBD_FIELDS
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0)
        ]
        if self.purchase_process == "bgnbd":
            # Every simulated purchase must be one completed order, and nothing else
            # may add one, or the BG/NBD purchase counts in the data would be wrong.
            problems.extend(
                f"purchase_process bgnbd needs {name} = 0 (got {getattr(self, name)})"
                for name in ("campaigns", "cancel_rate", "return_rate")
                if getattr(self, name) != 0
            )
        return problems

    def to_json(self) -> dict[str, Any]:
        """The parameters as JSON-ready values (for truth.json).

        With the default purchase process the purchase-process fields are left
        out, so the truth of a profiles run is byte for byte what it was before
        they existed (the committed demo truth is compared byte for byte).
        """
        values = asdict(self)
        values["end_at"] = self.end_at.strftime("%Y-%m-%d %H:%M:%S")
        values["type_shares"] = {name: self.type_shares[name] for name in BEHAVIOUR_TYPES}
        if self.purchase_process == "profiles":
            for name in ("purchase_process", *BGNBD_FIELDS):
                del values[name]
        return values
