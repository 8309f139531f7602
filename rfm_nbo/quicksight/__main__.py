"""Entry point for ``python -m rfm_nbo.quicksight``."""

from rfm_nbo.quicksight.cli import main

raise SystemExit(main())
