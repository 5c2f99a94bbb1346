"""``python -m pytest_telnyx_missions``: the standalone fake (see ``cli``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
