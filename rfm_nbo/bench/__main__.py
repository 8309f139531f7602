"""``python -m rfm_nbo.bench``: see ``rfm_nbo.bench.cli``."""

import sys

from rfm_nbo.bench.cli import main

sys.exit(main())
