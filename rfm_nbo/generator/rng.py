"""Independent random streams, so output depends only on the seed and the parameters.

Every piece of work draws from its own stream, derived from the seed with a
spawn key (what `SeedSequence.spawn` does, without having to spawn the earlier
children first). Customers are simulated in fixed blocks of `BLOCK_SIZE`, each
with its own stream: a chunk is just a run of whole blocks, so the rows
written are the same whatever the chunk size. Changing `BLOCK_SIZE` changes
the data; it is part of the determinism key like the code itself.
"""

from __future__ import annotations

import numpy as np

BLOCK_SIZE = 1_000

PRODUCTS_STREAM = 0
CAMPAIGNS_STREAM = 1
BLOCKS_STREAM = 2
DEFECTS_STREAM = 3
# Added later, so the streams above (and every row they draw) stay as they were.
CONSENT_STREAM = 4
# Not data: the Monte Carlo of the expected response value in truth.json.
RESPONSE_VALUE_STREAM = 5
# --purchase-process bgnbd: each block's BG/NBD draws (birth, lambda, p, purchases).
BGNBD_STREAM = 6


def stream(seed: int, *key: int) -> np.random.Generator:
    """A generator for the stream `key` of `seed` (e.g. `stream(42, BLOCKS_STREAM, 7)`)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def block_count(customers: int) -> int:
    """How many blocks hold `customers` customers (the last one may be short)."""
    return -(-customers // BLOCK_SIZE)


def block_customers(customers: int, block: int) -> int:
    """Number of customers in block `block`."""
    return min(BLOCK_SIZE, customers - block * BLOCK_SIZE)
