"""``python -m normal_world.bare_metal``: run the bare-metal normal-world demo."""

import sys

from normal_world.bare_metal.demo import main

sys.exit(main())
