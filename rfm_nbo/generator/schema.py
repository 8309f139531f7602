"""The raw contract the generator writes: tables, columns in order, id formats.

Matches models/staging/shop/_shop__sources.yml (without the optional
`orders.order_amount`, since we give order lines). Every column is text.
"""

from __future__ import annotations

import pyarrow as pa

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "email",
        "country",
        "signed_up_at",
        "marketing_opt_in",
        "email_opt_in",
        "sms_opt_in",
        "push_opt_in",
        "unsubscribed_at",
    ),
    "products": (
        "product_id",
        "product_name",
        "category",
        "unit_price",
        "unit_cost",
        "inventory_qty",
        "lifecycle_stage",
        "description",
    ),
    "orders": ("order_id", "customer_id", "ordered_at", "status", "channel"),
    "order_items": (
        "order_id",
        "line_number",
        "product_id",
        "quantity",
        "unit_price",
        "discount_amount",
    ),
    "web_events": ("customer_id", "product_id", "event_type", "occurred_at"),
    "campaigns": ("campaign_id", "campaign_name", "channel", "started_at", "ended_at", "cost"),
    "campaign_members": (
        "campaign_id",
        "customer_id",
        "group",
        "segment_at_send",
        "offer_product_id",
        "offer_discount_pct",
        "sent_at",
    ),
    "campaign_events": ("campaign_id", "customer_id", "event_type", "occurred_at"),
}
TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)

ORDER_STATUSES = ("completed", "cancelled", "returned")
ORDER_CHANNELS = ("web", "app", "store")
LIFECYCLE_STAGES = ("introduction", "growth", "maturity", "decline")
WEB_EVENT_TYPES = ("view", "add_to_cart", "wishlist")
CAMPAIGN_GROUPS = ("treatment", "control")
CAMPAIGN_EVENT_TYPES = ("delivered", "opened", "clicked", "unsubscribed")

CUSTOMER_PREFIX, CUSTOMER_MIN_WIDTH = "C", 7
PRODUCT_PREFIX, PRODUCT_MIN_WIDTH = "P", 5
ORDER_PREFIX, ORDER_WIDTH = "O", 9
CAMPAIGN_PREFIX, CAMPAIGN_WIDTH = "CMP", 3

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def table_schema(table: str) -> pa.Schema:
    """All-text Arrow schema of a raw table, in contract column order."""
    return pa.schema([(column, pa.string()) for column in TABLE_COLUMNS[table]])


def id_width(minimum: int, largest: int) -> int:
    """Digits for zero-padded ids: the contract's minimum, more if the largest id needs it."""
    return max(minimum, len(str(largest)))
