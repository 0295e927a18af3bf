"""`wapiti`: wapiti, with the --exclude bug of Debian's 3.0.4 mended (run with wapiti's own Python)."""
from __future__ import annotations

import re
import sys

from scripts.scanner.site import check_loopback


def cmd_wapiti(args: list[str]) -> int:
    """Run wapiti (with the Python it is installed for), mending one bug of Debian's 3.0.4 first.

    Its crawler builds the --exclude patterns as `pattern + r'\Z(?ms)'`, which Python 3.11's
    `re` refuses ("global flags not at the start of the expression"), so any -x crashes it.
    """
    url = args[args.index("-u") + 1] if "-u" in args else ""
    check_loopback(url)
    from wapitiCore.main.wapiti import wapiti_main
    from wapitiCore.net import crawler

    def wildcard_translate(pattern: str):
        return re.compile(r"(?ms)" + "".join(".*" if c == "*" else re.escape(c) for c in pattern) + r"\Z")

    crawler.wildcard_translate = wildcard_translate
    sys.argv = ["wapiti", *args]
    return wapiti_main() or 0
