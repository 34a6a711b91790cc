import sys

from urai.cli import main

sys.exit(main())
