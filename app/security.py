"""Response headers: a strict Content-Security-Policy and friends."""
from flask import Flask

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# Browser features the app never uses, denied to it and to anything it might embed. Only names
# Chromium recognises: an unknown one is a console error on every page.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer",
    "microphone", "midi", "payment", "serial", "usb"))


def init_app(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Pages and downloads carry personal data: no browser or proxy may keep a copy. Static
        # files set their own Cache-Control (revalidate by ETag), which this leaves alone.
        response.headers.setdefault("Cache-Control", "no-store")
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: browsers should insist on it
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
