"""`python -m rfm_nbo.generator`: the command-line entry point."""

from rfm_nbo.generator.cli import main

raise SystemExit(main())
