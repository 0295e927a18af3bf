"""Every attempt limit: logins (a trusted device's own, or an untrusted client's), registrations, join codes,
reset links."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from typing import Callable, TypeVar

from app.auth.throttle import Count, Limit, clear, count_attempt, refund, refused_for
from app.database import db_write
from app.extensions import db
from app.models import LoginThrottle, utcnow

# A login from a browser holding the account's device cookie counts against that cookie alone.
DEVICE = Limit("device", 5, timedelta(minutes=15), timedelta(minutes=15))
# Any other login counts against all three. The per-pair rule is the strict one; the per-account
# rule only slows a guess spread over addresses; the per-address rule stops one address trying many accounts.
PAIR = Limit("pair", 5, timedelta(minutes=15), timedelta(minutes=5))
ACCOUNT = Limit("account", 20, timedelta(minutes=15), timedelta(minutes=1))
ADDRESS = Limit("address", 100, timedelta(minutes=15), timedelta(minutes=15))
# Wrong, used or expired reset links opened from one address. A link holds 256 random bits, so this
# is a second fence; it is loose enough for a classroom's NAT address where a few old links get clicked.
# Wrong current passwords on the account page (a session left open on a shared computer), per account.
CURRENT_PASSWORD = Limit("current-password", 5, timedelta(minutes=15), timedelta(minutes=15))
RESET_LINK = Limit("reset-address", 30, timedelta(minutes=15), timedelta(minutes=15))


@dataclass(frozen=True)
class LoginAttempt:
    counts: list[Count]
    refused_for: int  # seconds; 0 when the password may be checked
    trusted: bool  # from a device that logged in to this account before, and is not locked out

    def succeeded(self) -> None:
        """The password was right: this account's pair and device counts start again, the rest get this attempt back."""
        strict = [count for count in self.counts if count.limit in (PAIR, DEVICE)]
        clear(strict)
        refund([count for count in self.counts if count not in strict])


def begin_login(account_key: str, address: str, device_nonce: str | None) -> LoginAttempt:
    """Count a login attempt before its password is checked (the caller commits)."""
    address = address or "unknown"
    counts = []
    if device_nonce:
        device = count_attempt(DEVICE, device_nonce)
        counts.append(device)
        if not device.refused_for:
            return LoginAttempt(counts, 0, trusted=True)
    untrusted = [count_attempt(PAIR, f"{account_key}|{address}"), count_attempt(ACCOUNT, account_key),
                 count_attempt(ADDRESS, address)]
    return LoginAttempt(counts + untrusted, refused_for(untrusted), trusted=False)


def count_registration(address: str) -> Count:
    """Count an account being made from this address (the caller commits)."""
    config = current_app.config
    window = timedelta(minutes=config["REGISTRATION_WINDOW_MINUTES"])
    return count_attempt(Limit("register", config["REGISTRATIONS_PER_ADDRESS"], window, window), address or "unknown")


def count_join_code(user_id: int, address: str) -> list[Count]:
    """Count a typed join code for this learner and address; refund them if the code is right (the caller commits)."""
    config = current_app.config
    window = timedelta(minutes=config["JOIN_CODE_WINDOW_MINUTES"])
    return [count_attempt(Limit("join-learner", config["WRONG_JOIN_CODES_PER_LEARNER"], window, window), str(user_id)),
            count_attempt(Limit("join-address", config["WRONG_JOIN_CODES_PER_ADDRESS"], window, window),
                          address or "unknown")]


def reset_links_refused_for(address: str) -> int:
    """Seconds this address must wait before a reset link is looked at; 0 when it may (reads only)."""
    now = utcnow()
    locked_until = db.session.scalar(sa.select(LoginThrottle.locked_until).where(
        LoginThrottle.key == RESET_LINK.key(address or "unknown"), LoginThrottle.locked_until > now))
    return max(1, int((locked_until - now).total_seconds())) if locked_until else 0


def count_wrong_reset_link(address: str) -> Count:
    """Count a reset link that was unknown, used or expired, against this address (the caller commits)."""
    return count_attempt(RESET_LINK, address or "unknown")


def count_current_password(user_id: int) -> Count:
    """Count a check of a logged-in user's current password before it is made (the caller commits;
    refund it when the password is right)."""
    return count_attempt(CURRENT_PASSWORD, str(user_id))


def count_class_code(user_id: int, address: str) -> list[Count]:
    """Count a typed class enrolment code, as count_join_code does for seminars (the caller commits)."""
    config = current_app.config
    window = timedelta(minutes=config["JOIN_CODE_WINDOW_MINUTES"])
    return [count_attempt(Limit("class-learner", config["WRONG_JOIN_CODES_PER_LEARNER"], window, window),
                          str(user_id)),
            count_attempt(Limit("class-address", config["WRONG_JOIN_CODES_PER_ADDRESS"], window, window),
                          address or "unknown")]


Found = TypeVar("Found")
TOO_MANY_CODES = "Too many wrong codes. Please wait {minutes} minute(s) and try again."


def look_up_code(count: Callable[[], list[Count]], find: Callable[[], Found | None]) -> tuple[Found | None, int]:
    """Count a typed code against its limits *before* looking it up, so parallel guesses cannot overtake
    them, and give the attempt back when the code is right: (what it names, or None; seconds to wait,
    0 when it was looked up)."""
    with db_write():
        counts = count()
    if wait := refused_for(counts):
        return None, wait
    found = find()
    if found is not None:
        with db_write():
            refund(counts)  # only wrong codes use up the limit
    return found, 0
