"""The BG/NBD purchase process (`--purchase-process bgnbd`): customers who buy
exactly as the BG/NBD model says, with known parameters, so a fit can be
checked against them.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"),
time in days. Per customer:

- birth, the first purchase: uniform in whole seconds over
  [end_at - history_days, end_at - BIRTH_MIN_AGE_DAYS), so every customer is
  watched for at least a week; the customer's age T = (end_at - birth) / 1 day;
- purchase rate lambda ~ Gamma(shape r, rate alpha) per day;
- dropout probability p ~ Beta(a, b);
- while alive, repeat purchases follow a Poisson process with rate lambda
  (exponential gaps), and right after each REPEAT purchase the customer drops
  out with probability p (never at the first purchase); watching stops at end_at.

Drawn flat, without a loop over purchases, in an equivalent way: the Poisson
process has M ~ Poisson(lambda T) events in (birth, end_at]; the customer drops
out after repeat D ~ Geometric(p) (D = 1, 2, ...), so x = min(M, D) repeats
happen and the customer is alive at the end when D > M. Given M, the event
times are M sorted uniform points on (0, T), and the k-th of them is
T S_k / S_{M+1}, S_k the sum of k unit exponential gaps; S_{M+1} = S_x + G with
G ~ Gamma(M - x + 1), so only the x purchases that happen are drawn.

Every purchase becomes one completed order at its own second (floored), so
campaigns, cancellations and returns are off in this mode (`params`). What
the downstream models count are distinct UTC purchase days: repeats on a day
that already had a purchase are tallied (`same_day_repeats`) so the truth shows
how little that changes. Behaviour types are still drawn: in this mode they
only shape baskets and browsing, not when anyone buys.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rfm_nbo.generator.customers import DAY, HOUR, SIGNUP_LEAD_DAYS, Customers
from rfm_nbo.generator.params import GeneratorParams

BIRTH_MIN_AGE_DAYS = 7
# rng.geometric needs p > 0: a Beta draw below this (only for absurd a) is
# raised to it, which changes nothing over any history (1e15 purchases).
MIN_DROPOUT_P = 1e-15


@dataclass(frozen=True)
class BgnbdCustomers:
    """One block's BG/NBD draws and simulated purchases (rows index the block).

    Times are Unix seconds (UTC); `purchase_rate` is lambda per day,
    `dropout_p` is p. `purchase_row` / `purchased_at` hold every purchase,
    the first (the birth) and the repeats, by customer and then time.
    """

    born_at: np.ndarray
    signed_up_at: np.ndarray
    purchase_rate: np.ndarray
    dropout_p: np.ndarray
    repeats: np.ndarray
    is_alive_at_end: np.ndarray
    purchase_row: np.ndarray
    purchased_at: np.ndarray

    @property
    def size(self) -> int:
        """Customers in the block."""
        return len(self.born_at)

    def last_purchase_at(self) -> np.ndarray:
        """Each customer's last purchase (the birth when there was no repeat)."""
        last = np.cumsum(1 + self.repeats) - 1
        return self.purchased_at[last]

    def same_day_repeats(self) -> np.ndarray:
        """Per customer, repeats on a UTC day that already had one of their purchases."""
        day = self.purchased_at // DAY
        again = (self.purchase_row[1:] == self.purchase_row[:-1]) & (day[1:] == day[:-1])
        return np.bincount(self.purchase_row[1:][again], minlength=self.size)

    def truth_columns(self, number: np.ndarray, end_epoch: int) -> dict[str, np.ndarray]:
        """Per customer (global `number`), what `tables.bgnbd_customers_table` writes."""
        return {
            "number": number,
            "purchase_rate": self.purchase_rate,
            "dropout_p": self.dropout_p,
            "born_at": self.born_at,
            "age_days": (end_epoch - self.born_at) / DAY,
            "repeats": self.repeats,
            "same_day_repeats": self.same_day_repeats(),
            "last_purchase_at": self.last_purchase_at(),
            "is_alive_at_end": self.is_alive_at_end,
        }

    def apply_to(self, customers: Customers) -> Customers:
        """The customers with this buying window and sign-up (sign-up before birth)."""
        return replace(
            customers,
            signed_up_at=self.signed_up_at,
            first_order_at=self.born_at,
            last_order_at=self.last_purchase_at(),
            orders=1 + self.repeats,
        )


def simulate_bgnbd(rng: np.random.Generator, params: GeneratorParams, count: int) -> BgnbdCustomers:
    """Draw `count` BG/NBD customers and their purchases (see the module docstring)."""
    end, start = params.end_epoch, params.start_epoch
    latest_birth = end - BIRTH_MIN_AGE_DAYS * DAY
    born_at = start + np.floor(rng.random(count) * (latest_birth - start)).astype(np.int64)
    age_seconds = end - born_at
    purchase_rate = rng.gamma(params.bgnbd_r, 1 / params.bgnbd_alpha, count)
    dropout_p = rng.beta(params.bgnbd_a, params.bgnbd_b, count)
    events = rng.poisson(purchase_rate * age_seconds / DAY)
    dropout_after = rng.geometric(np.maximum(dropout_p, MIN_DROPOUT_P))
    repeats = np.minimum(events, dropout_after)

    # S_k of each repeat (k = 1..x) and S_x + G of each customer, from one running sum
    # so that S_k <= S_x exactly and every repeat falls in (birth, end_at].
    row = np.repeat(np.arange(count), repeats)
    running = np.concatenate([[0.0], np.cumsum(rng.standard_exponential(len(row)))])
    first = np.cumsum(repeats) - repeats
    spacings_total = running[first + repeats] - running[first]
    spacings_total += rng.standard_gamma(events - repeats + 1.0)
    elapsed = running[1:] - running[first][row]
    fraction = elapsed / spacings_total[row]
    repeat_at = born_at[row] + np.floor(fraction * age_seconds[row]).astype(np.int64)

    signed_up_at = born_at - HOUR - np.floor(DAY * rng.exponential(SIGNUP_LEAD_DAYS, count))
    purchase_row = np.concatenate([np.arange(count), row])
    purchased_at = np.concatenate([born_at, repeat_at])
    is_repeat = np.arange(len(purchase_row)) >= count
    order = np.lexsort((is_repeat, purchased_at, purchase_row))
    return BgnbdCustomers(
        born_at=born_at,
        signed_up_at=signed_up_at.astype(np.int64),
        purchase_rate=purchase_rate,
        dropout_p=dropout_p,
        repeats=repeats.astype(np.int64),
        is_alive_at_end=dropout_after > events,
        purchase_row=purchase_row[order],
        purchased_at=purchased_at[order],
    )
