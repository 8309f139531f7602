"""Customers' favourite categories and the draw of a product for each line or event.

Each customer prefers three categories (weights 55/30/15 %) and strays outside
them only sometimes, so category affinity is learnable from orders and from
web events. Products within a category are drawn by their demand weight.
"""

from __future__ import annotations

import numpy as np

FAVOURITES = 3
FAVOURITE_WEIGHTS = np.array([0.55, 0.30, 0.15])
PURCHASE_EXPLORE = 0.12
BROWSE_EXPLORE = 0.25


def favourite_categories(
    rng: np.random.Generator, customers: int, popularity: np.ndarray
) -> np.ndarray:
    """(customers, 3) category codes, best first, drawn without replacement by popularity."""
    keys = np.log(popularity) + rng.gumbel(size=(customers, len(popularity)))
    return np.argsort(-keys, axis=1, kind="stable")[:, :FAVOURITES]


def draw_categories(
    rng: np.random.Generator,
    favourites: np.ndarray,
    rows: np.ndarray,
    explore: float,
    popularity: np.ndarray,
) -> np.ndarray:
    """A category per draw: mostly one of the row's favourites, else any by popularity.

    `rows` indexes `favourites`; -1 means an anonymous shopper (any category).
    """
    slot = np.searchsorted(np.cumsum(FAVOURITE_WEIGHTS), rng.random(len(rows)), side="right")
    slot = np.minimum(slot, FAVOURITES - 1)
    anonymous = rows < 0
    categories = favourites[np.where(anonymous, 0, rows), slot]
    wander = anonymous | (rng.random(len(rows)) < explore)
    categories[wander] = rng.choice(len(popularity), size=int(wander.sum()), p=popularity)
    return categories


class ProductSampler:
    """Draws a product of a given category with probability proportional to its weight.

    All categories share one sorted array of cumulative weights, normalised so
    category c spans (c, c + 1]: a draw is one `searchsorted` for any mix of
    categories. A category whose weights are all zero falls back to uniform.
    """

    def __init__(self, categories: np.ndarray, weights: np.ndarray, n_categories: int) -> None:
        order = np.lexsort((np.arange(len(categories)), categories))
        cats = categories[order]
        w = np.asarray(weights, dtype=float)[order]
        totals = np.bincount(cats, weights=w, minlength=n_categories)
        w = np.where(totals[cats] > 0, w, 1.0)
        totals = np.bincount(cats, weights=w, minlength=n_categories)
        cumulative = np.cumsum(w)
        before = np.concatenate([[0.0], np.cumsum(totals)])[cats]
        edges = cats + (cumulative - before) / totals[cats]
        last_of_category = np.append(cats[1:] != cats[:-1], True)
        edges[last_of_category] = cats[last_of_category] + 1.0
        self._order = order
        self._edges = edges
        self._categories = cats

    def probabilities(self) -> np.ndarray:
        """Per product code, the chance `draw` picks it when asked for its category."""
        first_of_category = np.insert(self._categories[1:] != self._categories[:-1], 0, True)
        start = np.where(first_of_category, self._categories, np.roll(self._edges, 1))
        chance = np.empty(len(self._order))
        chance[self._order] = self._edges - start
        return chance

    def draw(self, rng: np.random.Generator, categories: np.ndarray) -> np.ndarray:
        """One product code per requested category code."""
        position = np.searchsorted(self._edges, categories + rng.random(len(categories)), "right")
        return self._order[np.minimum(position, len(self._order) - 1)]
