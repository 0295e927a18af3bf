"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

After a right password the browser gets a signed cookie naming the account and a random nonce.
A login that presents one for the account it names comes from a trusted device: an attacker
elsewhere, or on the same classroom address, cannot lock it out. One cookie holds the devices
of the last few accounts that logged in on this browser (a shared classroom computer).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "groundwork_device"
LIFETIME = timedelta(days=365)
ACCOUNTS_PER_BROWSER = 8


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def _devices() -> dict[str, str]:
    """The account keys and nonces in this request's valid device cookie; {} for none or a forged one."""
    try:
        devices = _serializer().loads(request.cookies.get(COOKIE, ""), max_age=LIFETIME.total_seconds())
    except BadData:
        return {}
    if not isinstance(devices, dict):
        return {}
    return {key: nonce for key, nonce in devices.items() if isinstance(key, str) and isinstance(nonce, str)}


def device_nonce(account_key: str) -> str | None:
    """The nonce this browser's device cookie holds for the account, if it holds a valid one."""
    return _devices().get(account_key)


def remember_device(response: Response, account_key: str) -> None:
    """Give this browser a fresh device cookie for the account that has just logged in."""
    devices = {key: nonce for key, nonce in _devices().items() if key != account_key}
    recent = list(devices.items())[-(ACCOUNTS_PER_BROWSER - 1):] + [(account_key, secrets.token_urlsafe(16))]
    response.set_cookie(COOKIE, _serializer().dumps(dict(recent)), max_age=int(LIFETIME.total_seconds()),
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
