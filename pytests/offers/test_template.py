"""The offline writer: deterministic, inside the playbook, and always valid copy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from rfm_nbo.offers.briefs import Candidate, SegmentBrief, read_briefs
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.template import (
    format_percent,
    template_discount,
    template_offers,
    template_rationale,
)
from rfm_nbo.offers.validation import copy_problem

from .fakes import PLAYBOOK, ShopInputs

PLAYBOOK_SEED = Path(__file__).resolve().parents[2] / "seeds/reference/segment_offer_playbook.csv"


def brief_with(objective: str, low: float, high: float, **changes: object) -> SegmentBrief:
    """A brief with three plain candidates."""
    candidates = tuple(
        Candidate(rank, f"P{rank:04d}", f"Item {rank}", "Kitchen", 10.0 * rank, "")
        for rank in (1, 2, 3)
    )
    brief = SegmentBrief(
        "Seg", 10, 30.0, 2.0, 100.0, objective, "email", low, high, 2, None, candidates
    )
    return replace(brief, **changes)


@pytest.mark.parametrize(
    ("objective", "low", "high", "expected"),
    [
        ("upsell", 0.00, 0.05, 0.00),  # minimum
        ("upsell", 0.05, 0.10, 0.05),
        ("retain", 0.10, 0.20, 0.15),  # midpoint
        ("retain", 0.05, 0.10, 0.07),  # midpoint 7.5% rounded down to a whole percent
        ("onboard", 0.05, 0.15, 0.10),
        ("win_back", 0.15, 0.25, 0.25),  # maximum
        ("clear_stock", 0.25, 0.35, 0.35),
        ("retain", 0.125, 0.13, 0.125),  # rounding down would leave the range: the minimum
    ],
)
def test_template_discount_follows_the_documented_rule(
    objective: str, low: float, high: float, expected: float
) -> None:
    assert template_discount(brief_with(objective, low, high)) == pytest.approx(expected)


def test_template_takes_the_best_ranked_candidates_in_order() -> None:
    offers = template_offers(brief_with("retain", 0.10, 0.20))
    assert [offer.product_id for offer in offers] == ["P0001", "P0002"]
    assert offers[0].headline == "15% off Item 1 for you"


def test_zero_discount_copy_mentions_no_discount() -> None:
    offers = template_offers(brief_with("upsell", 0.0, 0.05))
    assert all("%" not in offer.headline + offer.body + offer.sms for offer in offers)
    assert offers[0].headline == "Item 1, picked for you"


def test_slots_follow_offers_to_write_and_never_exceed_candidates() -> None:
    assert len(template_offers(brief_with("retain", 0.1, 0.2, offers_to_write=3))) == 3
    assert len(template_offers(brief_with("retain", 0.1, 0.2, offers_to_write=9))) == 3
    assert len(template_offers(brief_with("retain", 0.1, 0.2, offers_to_write=None))) == 2


@pytest.mark.parametrize("objective", ["upsell", "retain", "win_back", "onboard", "clear_stock"])
def test_long_or_hostile_names_still_give_valid_copy(objective: str) -> None:
    names = [
        "Extra Large Professional Grade Stainless Steel Multi Purpose Kitchen Utensil Set "
        "With Matching Storage Case",
        "Pan <b>SALE</b> {code} https://cheap.example.com",
        "100% cotton tee",
        "",
    ]
    candidates = tuple(
        Candidate(rank, f"P{rank}", name, "Home & Kitchen", 5.0, "")
        for rank, name in enumerate(names, start=1)
    )
    brief = brief_with(objective, 0.1, 0.2, candidates=candidates, offers_to_write=4)
    for offer in template_offers(brief):
        assert copy_problem(offer) is None, offer


def test_every_playbook_segment_gets_valid_template_copy(shop: ShopInputs) -> None:
    frame = generate_offer_copy(shop.briefs, shop.candidates)

    assert sorted(frame["segment_name"].unique()) == sorted(row[0] for row in PLAYBOOK)
    assert (frame["copy_source"] == "template").all()
    assert frame["fallback_reason"].isna().all()
    assert frame["model_id"].isna().all() and frame["cache_key"].isna().all()
    briefs = {brief.segment_name: brief for brief in read_briefs(shop.briefs, shop.candidates)}
    for row in frame.to_dict("records"):
        brief = briefs[row["segment_name"]]
        assert brief.min_discount_rate <= row["discount_rate"] <= brief.max_discount_rate
        assert row["product_id"] in brief.candidate_ids
    counts = frame.groupby("segment_name")["offer_slot"].max().to_dict()
    assert counts == {name: to_write for name, *_, to_write, _ in PLAYBOOK}


def test_template_output_is_identical_run_after_run(shop: ShopInputs) -> None:
    first = generate_offer_copy(shop.briefs, shop.candidates)
    second = generate_offer_copy(shop.briefs.sample(frac=1, random_state=1), shop.candidates)
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.skipif(not PLAYBOOK_SEED.exists(), reason="playbook seed not present")
def test_the_real_playbook_seed_gives_valid_template_copy() -> None:
    playbook = pd.read_csv(PLAYBOOK_SEED)
    briefs = playbook.assign(
        customers=50, avg_recency_days=60.0, avg_frequency=2.0, avg_monetary=150.0
    )
    candidates = pd.DataFrame(
        [
            {
                "segment_name": segment,
                "candidate_rank": rank,
                "product_id": f"P{rank}",
                "product_name": f"Product {rank}",
                "category": "Kitchen",
                "unit_price": 20.0,
            }
            for segment in playbook["segment_name"]
            for rank in range(1, 8)
        ]
    )
    for brief in read_briefs(briefs, candidates):
        for offer in template_offers(brief):
            assert copy_problem(offer) is None
            assert brief.min_discount_rate <= offer.discount_rate <= brief.max_discount_rate
        assert "Template copy" in template_rationale(brief)


def test_format_percent() -> None:
    assert [format_percent(rate) for rate in (0.0, 0.15, 0.125, 0.07)] == ["0", "15", "12.5", "7"]
