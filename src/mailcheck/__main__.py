import sys

from mailcheck.cli import main

sys.exit(main())
