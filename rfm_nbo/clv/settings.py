"""Run parameters of the churn and lifetime value models (the ``clv_*`` dbt vars), validated once.

As for K-Means, the dbt Python models pass the vars through unchanged; an
unset var arrives as ``None`` and takes the default here, and a bad value is
reported under the var name the user typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# dbt var name -> ClvSettings field name.
VAR_TO_FIELD: dict[str, str] = {
    "clv_fit_sample_size": "fit_sample_size",
    "clv_seed": "seed",
    "clv_horizon_days": "horizon_days",
    "clv_annual_discount_rate": "annual_discount_rate",
    "clv_chunk_size": "chunk_size",
    "clv_min_customers": "min_customers",
    "churn_risk_band_thresholds": "band_thresholds",
}
FIELD_TO_VAR: dict[str, str] = {field: var for var, field in VAR_TO_FIELD.items()}
_FLOAT_FIELDS = ("annual_discount_rate",)


@dataclass(frozen=True)
class ClvSettings:
    """Everything that decides the CLV numbers besides the data.

    ``band_thresholds`` are the P(alive) cut points between the churn risk
    bands very_high | high | medium | low, ascending.
    """

    fit_sample_size: int = 200_000
    seed: int = 42
    horizon_days: int = 365
    annual_discount_rate: float = 0.10
    chunk_size: int = 200_000
    min_customers: int = 50
    band_thresholds: tuple[float, float, float] = (0.2, 0.5, 0.8)

    def __post_init__(self) -> None:
        """Reject values that would fail later with a less helpful message."""
        cuts = self.band_thresholds
        checks = [
            ("fit_sample_size", self.fit_sample_size >= 1, "must be at least 1"),
            ("seed", 0 <= self.seed < 10**16, "must be an integer in [0, 10^16)"),
            ("horizon_days", self.horizon_days >= 1, "must be at least 1 day"),
            ("annual_discount_rate", 0 <= self.annual_discount_rate < 1, "must be in [0, 1)"),
            ("chunk_size", self.chunk_size >= 1, "must be at least 1"),
            ("min_customers", self.min_customers >= 2, "must be at least 2"),
            (
                "band_thresholds",
                len(cuts) == 3 and all(0 < c < 1 for c in cuts) and list(cuts) == sorted(set(cuts)),
                "must be three ascending probabilities strictly between 0 and 1",
            ),
        ]
        for name, ok, message in checks:
            if not ok:
                raise ValueError(f"var {FIELD_TO_VAR[name]} = {getattr(self, name)!r} {message}")

    @classmethod
    def from_vars(cls, values: Mapping[str, object]) -> ClvSettings:
        """Build settings from dbt vars keyed by var name; ``None`` means "use the default"."""
        unknown = sorted(set(values) - set(VAR_TO_FIELD))
        if unknown:
            raise ValueError(f"unknown CLV var(s): {', '.join(unknown)}")
        kwargs: dict[str, object] = {}
        for var, raw in values.items():
            if raw is None or raw == "" or (isinstance(raw, str) and raw.lower() == "none"):
                continue
            kwargs[VAR_TO_FIELD[var]] = _coerce(var, VAR_TO_FIELD[var], raw)
        return cls(**kwargs)  # type: ignore[arg-type]


def _coerce(var: str, field: str, raw: object) -> object:
    """Convert one var value to the field's type, or raise naming the var."""
    try:
        if field == "band_thresholds":
            items = raw.strip("[]()").split(",") if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
            return tuple(float(item) for item in items if str(item).strip())
        if field in _FLOAT_FIELDS:
            return float(raw)  # type: ignore[arg-type]
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise TypeError
        return int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"var {var} = {raw!r} is not a valid value") from None
