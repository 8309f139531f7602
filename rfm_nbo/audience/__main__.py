"""``python -m rfm_nbo.audience``: see cli.py."""

from rfm_nbo.audience.cli import main

raise SystemExit(main())
