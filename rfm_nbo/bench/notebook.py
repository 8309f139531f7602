"""The notebook approach: RFM and K-Means the way RFM tutorials do it, in pandas and scikit-learn.

Everything in memory: ``pd.read_parquet`` of the raw orders and order lines,
``to_datetime``/``to_numeric`` with ``errors='coerce'``, ``dropna``,
``drop_duplicates``, a merge, ``groupby().agg()``, ``pd.qcut`` on ranks for
the 1..5 scores, then ``StandardScaler`` and ``KMeans`` fitted on *all*
customers for every k of the same range our build tries (the elbow), a
silhouette per k on a 5,000-customer sample (on all rows it is quadratic), and
the labels of the chosen k for every customer.

To keep the comparison about the approach and not about the answer, it
applies the same row rules as our models where they change R, F or M (valid
status, parseable values, positive prices, no future timestamps, unknown
customers and products, netting of returns and cancellations, the as-of date
and lookback), the same log1p features and the same k rule. It does not
reproduce the duplicate-key tie-break (``drop_duplicates`` keeps the first
copy; the generator's duplicates are exact copies) nor our NTILE tie rule
(tutorials use ``rank(method='first')``, so equal values can get different
scores): its R, F, M values agree with the models, its scores need not.

Run in its own process by the benchmark so its time and peak memory are its
own: ``python -m rfm_nbo.bench.notebook --tables DIR --out DIR``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STATUSES = ("completed", "cancelled", "returned")
LIFECYCLE_STAGES = ("introduction", "growth", "maturity", "decline")


def _text(series: Any) -> Any:
    """Trimmed text with empty strings as missing (what staging's raw_text does)."""
    stripped = series.astype("string").str.strip()
    return stripped.mask(stripped == "")


def rfm_table(
    tables: Path, lookback_days: int, buckets: int, max_valid_at: Any, timings: dict[str, float]
) -> Any:
    """Per-customer recency, frequency, monetary and qcut scores, tutorial style."""
    import numpy as np
    import pandas as pd

    began = time.perf_counter()
    orders = pd.read_parquet(tables / "orders.parquet")
    items = pd.read_parquet(tables / "order_items.parquet")
    customers = pd.read_parquet(
        tables / "customers.parquet", columns=["customer_id", "signed_up_at"]
    )
    products = pd.read_parquet(tables / "products.parquet")
    timings["read_parquet"] = time.perf_counter() - began

    began = time.perf_counter()
    customers["customer_id"] = _text(customers["customer_id"])
    signed_text = _text(customers["signed_up_at"])
    signed = pd.to_datetime(signed_text, errors="coerce", format="%Y-%m-%d %H:%M:%S")
    customers = customers[
        customers["customer_id"].notna()
        & (signed_text.isna() | signed.notna())
        & ~(signed > max_valid_at).fillna(False)
    ]
    valid_customers = set(customers["customer_id"])

    products["product_id"] = _text(products["product_id"])
    price = pd.to_numeric(_text(products["unit_price"]), errors="coerce")
    cost = pd.to_numeric(_text(products["unit_cost"]), errors="coerce")
    inventory = pd.to_numeric(_text(products["inventory_qty"]), errors="coerce")
    stage = _text(products["lifecycle_stage"]).str.lower()
    products = products[
        products["product_id"].notna()
        & (_text(products["unit_price"]).isna() | price.notna())
        & (_text(products["unit_cost"]).isna() | cost.notna())
        & (_text(products["inventory_qty"]).isna() | inventory.notna())
        & (stage.isna() | stage.isin(LIFECYCLE_STAGES))
        & ~(price <= 0).fillna(False)
    ]
    valid_products = set(products["product_id"])

    for column in ("order_id", "customer_id", "ordered_at", "status"):
        orders[column] = _text(orders[column])
    orders["status"] = orders["status"].str.lower()
    orders["ordered_at"] = pd.to_datetime(
        orders["ordered_at"], errors="coerce", format="%Y-%m-%d %H:%M:%S"
    )
    orders = orders.dropna(subset=["order_id", "ordered_at"])
    orders = orders[orders["status"].isin(STATUSES) & (orders["ordered_at"] <= max_valid_at)]
    orders = orders.drop_duplicates(subset=["order_id"], keep="first")
    orders = orders[orders["customer_id"].isna() | orders["customer_id"].isin(valid_customers)]

    for column in ("order_id", "line_number", "product_id"):
        items[column] = _text(items[column])
    items["line_number"] = pd.to_numeric(items["line_number"], errors="coerce")
    items["quantity"] = pd.to_numeric(_text(items["quantity"]), errors="coerce")
    items["unit_price"] = pd.to_numeric(_text(items["unit_price"]), errors="coerce").round(2)
    discount_text = _text(items["discount_amount"])
    items["discount_amount"] = pd.to_numeric(discount_text, errors="coerce").round(2)
    items = items[discount_text.isna() | items["discount_amount"].notna()]
    items = items.dropna(subset=["order_id", "line_number", "quantity", "unit_price"])
    items = items[items["unit_price"] > 0]
    items = items.drop_duplicates(subset=["order_id", "line_number"], keep="first")
    items = items[items["product_id"].isna() | items["product_id"].isin(valid_products)]
    items["discount_amount"] = items["discount_amount"].fillna(0.0)
    timings["clean"] = time.perf_counter() - began

    began = time.perf_counter()
    lines = items.merge(orders, on="order_id", how="inner")
    amount = lines["quantity"].abs() * lines["unit_price"] - lines["discount_amount"]
    completed = lines["status"] == "completed"
    negative = lines["quantity"] < 0
    lines["net_revenue"] = np.select(
        [lines["status"] == "cancelled", completed & ~negative, negative],
        [0.0, amount, -amount],
        default=0.0,
    )
    as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    start = as_of - pd.Timedelta(days=lookback_days)
    lines = lines[
        lines["customer_id"].notna()
        & (lines["ordered_at"] >= start)
        & (lines["ordered_at"] < as_of)
    ]
    lines["completed_order_id"] = lines["order_id"].where(lines["status"] == "completed")
    lines["completed_at"] = lines["ordered_at"].where(lines["status"] == "completed")
    rfm = lines.groupby("customer_id").agg(
        last_ordered_at=("completed_at", "max"),
        frequency=("completed_order_id", "nunique"),
        monetary=("net_revenue", "sum"),
    )
    rfm = rfm[rfm["frequency"] > 0].copy()
    rfm["recency_days"] = (as_of - rfm["last_ordered_at"].dt.normalize()).dt.days
    rfm["monetary"] = rfm["monetary"].round(2)
    labels = list(range(1, buckets + 1))
    rfm["r_score"] = pd.qcut(
        rfm["recency_days"].rank(method="first"), buckets, labels=labels[::-1]
    ).astype("int64")
    rfm["f_score"] = pd.qcut(rfm["frequency"].rank(method="first"), buckets, labels=labels).astype(
        "int64"
    )
    rfm["m_score"] = pd.qcut(rfm["monetary"].rank(method="first"), buckets, labels=labels).astype(
        "int64"
    )
    timings["rfm"] = time.perf_counter() - began
    return rfm.reset_index()[
        ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]
    ]


def cluster(
    rfm: Any,
    k_range: Sequence[int],
    seed: int,
    n_init: int,
    tolerance: float,
    timings: dict[str, float],
) -> tuple[Any, int]:
    """Elbow and silhouette per k with K-Means on every customer; labels of the chosen k."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    from rfm_nbo.segmentation.selection import choose_k

    began = time.perf_counter()
    features = rfm[["recency_days", "frequency", "monetary"]].astype("float64").clip(lower=0)
    scaled = StandardScaler().fit_transform(np.log1p(features.to_numpy()))
    silhouettes: dict[int, float | None] = {}
    labels_by_k: dict[int, Any] = {}
    for k in k_range:
        kmeans = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(scaled)
        labels_by_k[k] = kmeans.labels_
        silhouettes[k] = float(
            silhouette_score(scaled, kmeans.labels_, sample_size=5000, random_state=seed)
        )
    chosen, _ = choose_k(silhouettes, tolerance)
    timings["kmeans"] = time.perf_counter() - began
    return labels_by_k[chosen], chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the notebook approach on one dataset; write its result and timings."""
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.bench.notebook",
        description="RFM with pandas groupby/qcut and K-Means on all customers (the tutorial way).",
    )
    parser.add_argument("--tables", type=Path, required=True, help="folder with the Parquet tables")
    parser.add_argument("--out", type=Path, required=True, help="folder for result.parquet/json")
    parser.add_argument("--lookback-days", type=int, default=730)
    parser.add_argument("--buckets", type=int, default=5)
    parser.add_argument("--k-min", type=int, default=4)
    parser.add_argument("--k-max", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--silhouette-tolerance", type=float, default=0.03)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    import pandas as pd

    timings: dict[str, float] = {}
    timings["import"] = time.perf_counter() - began
    compute_began = time.perf_counter()
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    rfm = rfm_table(args.tables, args.lookback_days, args.buckets, now, timings)
    labels, chosen = cluster(
        rfm,
        range(args.k_min, args.k_max + 1),
        args.seed,
        args.n_init,
        args.silhouette_tolerance,
        timings,
    )
    rfm["cluster_id"] = labels
    compute_seconds = time.perf_counter() - compute_began
    args.out.mkdir(parents=True, exist_ok=True)
    rfm.to_parquet(args.out / "notebook_rfm.parquet", index=False)
    result = {
        "customers": len(rfm),
        "chosen_k": chosen,
        "compute_seconds": compute_seconds,
        "rfm_seconds": timings["read_parquet"] + timings["clean"] + timings["rfm"],
        "steps": timings,
    }
    (args.out / "notebook_result.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
