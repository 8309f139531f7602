"""``python -m rfm_nbo.dashboard``: see cli.py."""

from rfm_nbo.dashboard.cli import main

raise SystemExit(main())
