"""``python -m app.cli``: the same as the ``caliper`` console script."""

import sys

from app.cli import main

sys.exit(main())
