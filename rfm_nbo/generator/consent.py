"""Per-channel consent of one block of customers, from its own random stream.

The legacy `marketing_opt_in` flag (drawn in `customers`, and what campaign
eligibility reads) is kept as it was. On top of it each customer gets:

- `email_opt_in`: false for everyone without a marketing opt-in; for the
  others true, except a share `email_opt_out_rate` who later opted out of
  email while the legacy flag still says yes (the most restrictive reading
  must block them);
- `sms_opt_in` and `push_opt_in`: true with their own rates, independent of
  the rest; a share `consent_unknown_rate` of each is left empty (never
  asked), which the models read as no consent;
- `unsubscribed_at`: for a share `unsubscribed_rate`, a time between sign-up
  and the end of history (any value blocks every channel).

These draws come from `CONSENT_STREAM`, a stream of their own, so adding
them changed no other draw: every other column, and the planted truth of
the rest, is what it was before consent existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfm_nbo.generator.params import GeneratorParams

FLAG_FALSE, FLAG_TRUE, FLAG_UNKNOWN = 0, 1, 2
NO_TIME = -1


@dataclass(frozen=True)
class Consent:
    """One block's consent columns: flag codes (FLAG_*) and unsubscribe times (NO_TIME: none)."""

    email: np.ndarray
    sms: np.ndarray
    push: np.ndarray
    unsubscribed_at: np.ndarray

    def reachable(self, marketing_opt_in: np.ndarray, unsubscribed: np.ndarray) -> dict[str, int]:
        """Customers the models may contact per channel, and on at least one.

        The documented rule on clean single records: email needs both flags
        true, sms and push their own flag true, and no `unsubscribed_at` and
        no unsubscribe event (`unsubscribed`) for any channel.
        """
        open_ = (self.unsubscribed_at == NO_TIME) & ~unsubscribed
        channels = {
            "email": open_ & marketing_opt_in & (self.email == FLAG_TRUE),
            "sms": open_ & (self.sms == FLAG_TRUE),
            "push": open_ & (self.push == FLAG_TRUE),
        }
        any_channel = channels["email"] | channels["sms"] | channels["push"]
        return {**{name: int(mask.sum()) for name, mask in channels.items()},
                "any": int(any_channel.sum())}  # fmt: skip


def simulate_consent(
    rng: np.random.Generator,
    params: GeneratorParams,
    marketing_opt_in: np.ndarray,
    signed_up_at: np.ndarray,
) -> Consent:
    """Draw the block's consent columns (see the module docstring for the rules)."""
    count = len(marketing_opt_in)
    email_kept = rng.random(count) >= params.email_opt_out_rate
    email = np.where(marketing_opt_in & email_kept, FLAG_TRUE, FLAG_FALSE)
    sms = _flags(rng, count, params.sms_opt_in_rate, params.consent_unknown_rate)
    push = _flags(rng, count, params.push_opt_in_rate, params.consent_unknown_rate)
    unsubscribed = rng.random(count) < params.unsubscribed_rate
    span = np.maximum(params.end_epoch - signed_up_at, 1)
    when = signed_up_at + np.floor(rng.random(count) * span).astype(np.int64)
    return Consent(
        email=email,
        sms=sms,
        push=push,
        unsubscribed_at=np.where(unsubscribed, when, NO_TIME),
    )


def _flags(rng: np.random.Generator, count: int, rate: float, unknown_rate: float) -> np.ndarray:
    """FLAG_TRUE with probability `rate`, else FLAG_FALSE; then FLAG_UNKNOWN for a share."""
    flags = np.where(rng.random(count) < rate, FLAG_TRUE, FLAG_FALSE)
    return np.where(rng.random(count) < unknown_rate, FLAG_UNKNOWN, flags)
