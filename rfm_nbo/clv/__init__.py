"""Churn risk and customer lifetime value: BG/NBD and Gamma-Gamma behind the dbt Python models.

The dbt models in ``python_models/clv/`` are thin glue around this package:

- ``settings``        run parameters (the ``clv_*`` dbt vars), validated once.
- ``hypergeometric``  the series the BG/NBD forecast needs (our own, tested against mpmath).
- ``bgnbd``           BG/NBD: log-likelihood, P(alive), conditional expected purchases.
- ``gamma_gamma``     Gamma-Gamma: log-likelihood, expected value of a purchase.
- ``mle``             maximum likelihood on log-parameters, standard errors, convergence.
- ``fitting``         both fits on a sample, each with a status and a clear warning.
- ``parameters``      the one-row int_clv_parameters table, written and read back.
- ``scoring``         per customer: P(alive), expected purchases, value, CLV, churn band.
- ``calibration``     expected holdout purchases for fct_clv_calibration.
- ``engines``         dbt relations (DuckDB, Spark, pandas) in and out.
- ``spark``           the Spark path: sample in Spark, score on executors.

Why our own implementation rather than a library: lifetimes is no longer
maintained and pins old numpy APIs, and pymc-marketing needs PyMC and a
recent pandas, neither of which Athena Spark's engine v3 (Python 3.9,
scipy 1.x of 2021, pandas 1.4) can import. The models need only scipy's
``gammaln``/``betaln`` and ``minimize``, which every scipy since 1.0 has.
The same old-library constraints as ``rfm_nbo.segmentation`` apply.
"""

from __future__ import annotations

from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.settings import ClvSettings

__all__ = ["BgNbdParams", "ClvSettings", "GammaGammaParams"]
