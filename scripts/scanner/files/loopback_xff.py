"""Give each sqlmap request its own loopback X-Forwarded-For (127.x.y.z).

The app runs with GROUNDWORK_PROXIES=1 during the scan, so this spreads sqlmap's many
failed logins over distinct (loopback) client addresses and the login throttle does
not turn every answer into a 429 before the injection tests are done.
"""
import random

from lib.core.enums import PRIORITY

__priority__ = PRIORITY.NORMAL


def dependencies():
    pass


def tamper(payload, **kwargs):
    headers = kwargs.get("headers", {})
    headers["X-Forwarded-For"] = "127.%d.%d.%d" % (random.randint(0, 255), random.randint(0, 255),
                                                    random.randint(1, 254))
    return payload
