"""Seeded, deterministic synthetic retail data with planted defects and a planted truth.

`generate(GeneratorParams(...), out_dir, truth_dir)` writes the 8 raw tables of
the contract (CSV or Parquet) and, in another folder, truth.json and
customer_types.csv. Command line: `python -m rfm_nbo.generator --help`.
"""

from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.pipeline import RunSummary, generate

__all__ = ["GeneratorParams", "RunSummary", "generate"]
