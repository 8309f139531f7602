"""No customer-level data in any request: proven on a realistic build; the scan is not vacuous."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.cache import LocalDirCache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.privacy import find_customer_data, forbidden_values
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import FakeBedrockClient, ShopInputs, answering_by_segment

BEDROCK = OfferCopySettings(provider="bedrock")


def test_no_request_of_a_realistic_build_holds_customer_data(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    client = FakeBedrockClient(answering_by_segment(briefs))
    generate_offer_copy(
        shop.briefs, shop.offered, BEDROCK, client=client, cache=LocalDirCache(tmp_path)
    )

    assert len(client.requests) == 12  # one per segment, whatever the customer count
    assert len(forbidden_values(shop.customers)) == 2 * len(shop.customers)
    for request in client.requests:
        assert find_customer_data(request, customers=shop.customers) == []
    for entry in tmp_path.rglob("*.json"):  # what the cache keeps is clean too
        assert find_customer_data(entry.read_text(), customers=shop.customers) == []


def test_the_scan_finds_ids_emails_and_forbidden_strings(shop: ShopInputs) -> None:
    customer = shop.customers.iloc[41]
    payload = {
        "messages": [{"content": [{"text": f"best buyer {customer['customer_id']}"}]}],
        "system": [{"text": f"write to {customer['email']}"}],
        "note": "also Jane Roe",
    }
    findings = find_customer_data(payload, customers=shop.customers, forbidden=["Jane Roe"])

    assert f"customer id pattern: {customer['customer_id']}" in findings
    assert f"e-mail address: {customer['email']}" in findings
    assert f"forbidden value: {customer['customer_id']}" in findings
    assert f"forbidden value: {customer['email']}" in findings
    assert "forbidden value: Jane Roe" in findings


def test_a_request_holding_a_customer_id_is_not_sent(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    leaked = shop.offered.copy()
    at_risk = leaked["segment_name"] == "At Risk"
    leaked.loc[at_risk, "product_description"] = "Top buyer C0000042 loved it"
    client = FakeBedrockClient(answering_by_segment(briefs))

    frame = generate_offer_copy(
        shop.briefs, leaked, BEDROCK, client=client, cache=LocalDirCache(tmp_path)
    )

    assert len(client.requests) == 11
    assert all("C0000042" not in json.dumps(request) for request in client.requests)
    reasons = frame.groupby("segment_name")["fallback_reason"].first()
    assert reasons["At Risk"] == "privacy_blocked"
    assert reasons.drop("At Risk").isna().all()


def test_emails_in_catalogue_text_are_removed_before_sending(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    with_email = shop.offered.assign(product_description="Questions? shopper7@example.net")
    client = FakeBedrockClient(answering_by_segment(briefs))
    generate_offer_copy(
        shop.briefs, with_email, BEDROCK, client=client, cache=LocalDirCache(tmp_path)
    )
    assert len(client.requests) == 12
    customers = pd.DataFrame({"email": ["shopper7@example.net"]})
    assert all(
        find_customer_data(request, customers=customers) == [] for request in client.requests
    )
