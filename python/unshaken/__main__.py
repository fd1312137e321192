"""``python -m unshaken``: the command-line tools (see ``unshaken.cli``)."""

import sys

from unshaken.cli import main

if __name__ == "__main__":
    sys.exit(main())
