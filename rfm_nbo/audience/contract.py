"""Column lists of the files the export writes and of the mart it reads.

The raw contracts are declared in models/staging/shop/_shop__sources.yml (the
source of truth); these tuples repeat them because the installed package does
not ship the YAML, and a test (pytests/audience/test_audience_export.py) fails
when the two drift apart.
"""

from __future__ import annotations

AUDIENCE_MART = "fct_campaign_audience"

# Every column the export reads from the mart.
AUDIENCE_COLUMNS = (
    "audience_campaign_id",
    "campaign_id",
    "customer_id",
    "rfm_segment",
    "channel",
    "experiment_group",
    "product_id",
    "product_name",
    "category",
    "discount_rate",
    "headline",
    "body",
    "sms",
    "contact_cost",
    "design_treatment_share",
    "as_of_date",
)

# Raw source shop.campaign_members: the send log that comes back.
CAMPAIGN_MEMBERS_COLUMNS = (
    "campaign_id",
    "customer_id",
    "group",
    "segment_at_send",
    "offer_product_id",
    "offer_discount_pct",
    "sent_at",
)

# Raw source shop.campaigns: one row per campaign. treatment_share (optional in
# the contract) carries the planned split to the sample-ratio check.
CAMPAIGNS_COLUMNS = (
    "campaign_id",
    "campaign_name",
    "channel",
    "started_at",
    "ended_at",
    "cost",
    "treatment_share",
)

# What a sending tool needs per message; the copy columns depend on the channel.
SEND_COMMON_COLUMNS = (
    "campaign_id",
    "customer_id",
    "channel",
    "product_id",
    "product_name",
    "category",
    "discount_pct",
)
SEND_COPY_COLUMNS = {
    "email": ("headline", "body"),
    "push": ("headline", "body"),
    "sms": ("sms",),
}

GROUPS = ("treatment", "control")

# The timestamp spelling of the raw files (UTC, as the demo seeds write it).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
