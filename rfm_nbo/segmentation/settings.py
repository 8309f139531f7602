"""Run parameters of the K-Means segmentation, validated in one place.

The dbt models pass the ``kmeans_*`` vars through unchanged; a var left unset
arrives as ``None`` and takes the default here, so the defaults live in one
place and the error for a bad value names the var the user typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

# dbt var name -> KMeansSettings field name.
VAR_TO_FIELD: dict[str, str] = {
    "kmeans_k_min": "k_min",
    "kmeans_k_max": "k_max",
    "kmeans_k": "k",
    "kmeans_seed": "seed",
    "kmeans_sample_size": "sample_size",
    "kmeans_silhouette_sample_size": "silhouette_sample_size",
    "kmeans_n_init": "n_init",
    "kmeans_chunk_size": "chunk_size",
    "kmeans_extra_features": "extra_features",
    "kmeans_silhouette_tolerance": "silhouette_tolerance",
}
FIELD_TO_VAR: dict[str, str] = {field: var for var, field in VAR_TO_FIELD.items()}


@dataclass(frozen=True)
class KMeansSettings:
    """Everything that decides the clusters; equal settings on equal data give equal output.

    ``silhouette_tolerance`` drives the k rule in ``selection.choose_k``: the
    largest k whose silhouette is within this many points of the best one.
    """

    k_min: int = 3
    k_max: int = 8
    k: int | None = None
    seed: int = 42
    sample_size: int = 20_000
    silhouette_sample_size: int = 5_000
    n_init: int = 10
    chunk_size: int = 200_000
    extra_features: tuple[str, ...] = ()
    silhouette_tolerance: float = 0.03

    def __post_init__(self) -> None:
        """Reject values that would fail later with a less helpful message."""
        checks = [
            ("k_min", self.k_min >= 2, "must be at least 2"),
            ("k_max", self.k_max >= self.k_min, f"must be at least kmeans_k_min ({self.k_min})"),
            ("k", self.k is None or self.k >= 1, "must be at least 1 (or null to select k)"),
            ("seed", 0 <= self.seed < 10**16, "must be an integer in [0, 10^16)"),
            ("sample_size", self.sample_size >= 1, "must be at least 1"),
            ("silhouette_sample_size", self.silhouette_sample_size >= 2, "must be at least 2"),
            ("n_init", self.n_init >= 1, "must be at least 1"),
            ("chunk_size", self.chunk_size >= 1, "must be at least 1"),
            ("silhouette_tolerance", self.silhouette_tolerance >= 0, "must be >= 0"),
        ]
        for name, ok, message in checks:
            if not ok:
                raise ValueError(f"var {FIELD_TO_VAR[name]} = {getattr(self, name)!r} {message}")

    @classmethod
    def from_vars(cls, values: Mapping[str, object]) -> KMeansSettings:
        """Build settings from dbt vars keyed by var name; ``None`` means "use the default".

        Numbers may arrive as strings (``--vars`` on the command line) and the
        extra features as a list or one comma-separated string.
        """
        unknown = sorted(set(values) - set(VAR_TO_FIELD))
        if unknown:
            raise ValueError(f"unknown K-Means var(s): {', '.join(unknown)}")
        kwargs: dict[str, object] = {}
        for var, raw in values.items():
            if raw is None or raw == "" or (isinstance(raw, str) and raw.lower() == "none"):
                continue
            field = VAR_TO_FIELD[var]
            kwargs[field] = _coerce(var, field, raw)
        return cls(**kwargs)  # type: ignore[arg-type]

    def as_vars(self) -> dict[str, object]:
        """The settings keyed by dbt var name (for logs and the diagnostics table)."""
        return {FIELD_TO_VAR[f.name]: getattr(self, f.name) for f in fields(self)}


def _coerce(var: str, field: str, raw: object) -> object:
    """Convert one var value to the field's type, or raise naming the var."""
    try:
        if field == "extra_features":
            return _as_feature_list(raw)
        if field == "silhouette_tolerance":
            return float(raw)  # type: ignore[arg-type]
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise TypeError
        return int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"var {var} = {raw!r} is not a valid value") from None


def _as_feature_list(raw: object) -> tuple[str, ...]:
    """Accept ['a', 'b'] or 'a, b'; return ('a', 'b') without blanks."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    names = tuple(str(item).strip() for item in items if str(item).strip())
    if len(set(names)) != len(names):
        raise ValueError
    return names
