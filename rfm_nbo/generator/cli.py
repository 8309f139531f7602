"""Command line: `python -m rfm_nbo.generator` (console script `rfm-generate`)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, TYPE_SHARE_PRESETS
from rfm_nbo.generator.params import BGNBD_FIELDS, PURCHASE_PROCESSES, GeneratorParams
from rfm_nbo.generator.pipeline import DEFAULT_CHUNK_SIZE, generate
from rfm_nbo.generator.writers import FORMATS

# Options that --purchase-process bgnbd sets to 0 (campaign responses would add
# purchases, cancelled or returned orders would not count as one).
BGNBD_ZERO_OPTIONS = ("campaigns", "cancel_rate", "return_rate")

EXAMPLES = """\
examples:
  demo seeds (committed; `make seeds` runs exactly this):
    python -m rfm_nbo.generator --customers 2000 --seed 42 --format csv \\
        --out seeds/demo --truth-out planted_truth/demo
  a declining customer base (most bought once, long ago):
    python -m rfm_nbo.generator --customers 5000 --type-shares declining --out data/declining
  benchmark scale (1M customers, about 10M order lines, into gitignored data/):
    python -m rfm_nbo.generator --customers 1000000 --seed 42 --format parquet \\
        --out data/scale_1m
  customers who buy exactly as BG/NBD says, with known r, alpha (days), a, b
  (campaigns, cancellations and returns are set to 0; truth adds bgnbd_customers.csv):
    python -m rfm_nbo.generator --customers 50000 --purchase-process bgnbd \\
        --bgnbd-params 0.25,40,0.8,2.5 --format parquet --out data/bgnbd

Same seed and parameters give identical rows, whatever --chunk-size.
"""


def _type_shares(text: str) -> dict[str, float]:
    """Parse a preset name ('declining') or 'champions=0.1,loyal=0.2,...' (every type)."""
    if text.strip() in TYPE_SHARE_PRESETS:
        return dict(TYPE_SHARE_PRESETS[text.strip()])
    shares: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected type=share, got {part!r}")
        try:
            shares[name.strip()] = float(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"share of {name!r} is not a number") from error
    if set(shares) != set(BEHAVIOUR_TYPES):
        raise argparse.ArgumentTypeError(f"give a share for each of: {', '.join(BEHAVIOUR_TYPES)}")
    return shares


def _bgnbd_params(text: str) -> tuple[float, float, float, float]:
    """Parse 'r,alpha,a,b' (alpha in days): four positive numbers."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != len(BGNBD_FIELDS):
        raise argparse.ArgumentTypeError(
            f"expected four numbers r,alpha,a,b (e.g. 0.25,40,0.8,2.5), got {len(parts)}"
        )
    values: list[float] = []
    for name, part in zip(("r", "alpha", "a", "b"), parts, strict=True):
        try:
            value = float(part)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{name} is not a number: {part!r}") from error
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"{name} must be a positive number, got {part!r}")
        values.append(value)
    return values[0], values[1], values[2], values[3]


def _end_at(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError as error:
        raise argparse.ArgumentTypeError("use 'YYYY-MM-DD HH:MM:SS' (UTC)") from error


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (defaults come from GeneratorParams)."""
    defaults = GeneratorParams()
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.generator",
        description=(
            "Write seeded synthetic retail data with planted defects: customers, products,\n"
            "orders, order_items, web_events, campaigns, campaign_members, campaign_events.\n"
            "The planted truth (truth.json, customer_types.csv) goes to a separate folder."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    output = parser.add_argument_group("output")
    output.add_argument("--out", type=Path, required=True, help="folder for the 8 table files")
    output.add_argument(
        "--truth-out",
        type=Path,
        help="folder for truth.json and customer_types.csv (default: <out>_truth beside --out)",
    )
    output.add_argument("--format", choices=FORMATS, default="csv", help="file format (csv)")
    output.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"customers held in memory at once ({DEFAULT_CHUNK_SIZE:,}); does not change rows",
    )
    output.add_argument("--no-progress", action="store_true", help="no progress bar")

    data = parser.add_argument_group("data (every one is part of the determinism key)")
    data.add_argument("--seed", type=int, default=defaults.seed, help="random seed (42)")
    data.add_argument(
        "--customers", type=int, default=defaults.customers, help="customers to simulate (2000)"
    )
    data.add_argument(
        "--products", type=int, default=defaults.products, help="products in the catalogue (200)"
    )
    data.add_argument(
        "--end-at",
        type=_end_at,
        default=defaults.end_at,
        help="end of history, UTC (2026-06-30 23:59:59)",
    )
    data.add_argument(
        "--history-days",
        type=int,
        default=defaults.history_days,
        help="days of order history before --end-at (730, the minimum)",
    )
    data.add_argument(
        "--type-shares",
        type=_type_shares,
        default=defaults.type_shares,
        help="latent behaviour type shares, e.g. "
        + ",".join(f"{name}={share}" for name, share in defaults.type_shares.items())
        + ", or a preset: "
        + ", ".join(TYPE_SHARE_PRESETS)
        + " (declining: 60%% lost, 20%% hibernating, few active)",
    )
    data.add_argument(
        "--purchase-process",
        choices=PURCHASE_PROCESSES,
        default=defaults.purchase_process,
        help="how orders are timed: by the behaviour types' profiles (profiles), or exactly "
        "by the BG/NBD model with --bgnbd-params (bgnbd: sets --campaigns, --cancel-rate "
        "and --return-rate to 0, so every purchase is one completed order; giving them "
        "another value is an error)",
    )
    data.add_argument(
        "--bgnbd-params",
        type=_bgnbd_params,
        metavar="R,ALPHA,A,B",
        help="BG/NBD parameters, alpha in days: purchase rate ~ Gamma(shape r, rate alpha) "
        "per day, dropout ~ Beta(a, b) ("
        + ",".join(f"{getattr(defaults, name):g}" for name in BGNBD_FIELDS)
        + "); only with --purchase-process bgnbd",
    )
    data.add_argument(
        "--campaigns",
        type=int,
        help=f"campaigns in the last year ({defaults.campaigns}; 0 with --purchase-process bgnbd)",
    )
    data.add_argument(
        "--campaign-reach",
        type=float,
        default=defaults.campaign_reach,
        help="share of eligible (opted-in) customers in each campaign (0.35)",
    )
    data.add_argument(
        "--treatment-share",
        type=float,
        default=defaults.treatment_share,
        help="design share of members in treatment, the rest control (0.8)",
    )
    data.add_argument(
        "--attribution-window-days",
        type=int,
        default=defaults.attribution_window_days,
        help="days after sent_at in which a completed order counts as a conversion (14)",
    )
    data.add_argument(
        "--defects-per-class",
        type=int,
        default=defaults.defects_per_class,
        help="planted bad rows per defect class per table (3)",
    )
    for name in (
        "cancel_rate",
        "return_rate",
        "guest_rate",
        "partial_return_rate",
        "discount_rate",
        "email_opt_out_rate",
        "sms_opt_in_rate",
        "push_opt_in_rate",
        "consent_unknown_rate",
        "unsubscribed_rate",
    ):
        bgnbd_zero = name in BGNBD_ZERO_OPTIONS
        data.add_argument(
            "--" + name.replace("_", "-"),
            type=float,
            default=None if bgnbd_zero else getattr(defaults, name),
            help=f"({getattr(defaults, name)}"
            + ("; 0 with --purchase-process bgnbd)" if bgnbd_zero else ")"),
        )
    return parser


def _purchase_process_args(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> dict[str, Any]:
    """GeneratorParams fields of the purchase process, and the options it fixes.

    BG/NBD mode needs every simulated purchase to be exactly one completed order,
    so campaigns, cancellations and returns default to 0 there; another value
    given on the command line is an error, not silently dropped.
    """
    defaults = GeneratorParams()
    bgnbd = args.purchase_process == "bgnbd"
    if args.bgnbd_params is not None and not bgnbd:
        parser.error("--bgnbd-params only applies with --purchase-process bgnbd")
    values: dict[str, Any] = {"purchase_process": args.purchase_process}
    for name in BGNBD_ZERO_OPTIONS:
        given = getattr(args, name)
        option = "--" + name.replace("_", "-")
        if bgnbd and given is not None and given != 0:
            parser.error(
                f"--purchase-process bgnbd needs {option} 0 (got {given:g}): every "
                "simulated purchase must be one completed order; leave the option out"
            )
        default = getattr(defaults, name)
        values[name] = given if given is not None else type(default)(0) if bgnbd else default
    if args.bgnbd_params is not None:
        values.update(zip(BGNBD_FIELDS, args.bgnbd_params, strict=True))
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, generate, print a summary; exit code 2 on bad parameters."""
    parser = build_parser()
    args = parser.parse_args(argv)
    params = GeneratorParams(
        **_purchase_process_args(parser, args),
        seed=args.seed,
        customers=args.customers,
        products=args.products,
        end_at=args.end_at,
        history_days=args.history_days,
        type_shares=args.type_shares,
        guest_rate=args.guest_rate,
        partial_return_rate=args.partial_return_rate,
        discount_rate=args.discount_rate,
        email_opt_out_rate=args.email_opt_out_rate,
        sms_opt_in_rate=args.sms_opt_in_rate,
        push_opt_in_rate=args.push_opt_in_rate,
        consent_unknown_rate=args.consent_unknown_rate,
        unsubscribed_rate=args.unsubscribed_rate,
        campaign_reach=args.campaign_reach,
        treatment_share=args.treatment_share,
        attribution_window_days=args.attribution_window_days,
        defects_per_class=args.defects_per_class,
    )
    truth_dir = args.truth_out or args.out.with_name(args.out.name + "_truth")
    if args.chunk_size < 1:
        print("error: --chunk-size must be at least 1", file=sys.stderr)
        return 2
    try:
        summary = generate(
            params,
            out_dir=args.out,
            truth_dir=truth_dir,
            file_format=args.format,
            chunk_size=args.chunk_size,
            progress=not args.no_progress,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {args.format} tables to {args.out} and the truth to {summary.truth_dir}")
    for table, rows in summary.rows.items():
        print(f"  {table:<17} {rows:>12,} rows")
    print(f"  total             {sum(summary.rows.values()):>12,} rows in {summary.seconds:.1f} s")
    return 0
