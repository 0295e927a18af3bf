"""Loopback guard for the scanners (put on PYTHONPATH by scripts/scan as sitecustomize).

Any connection or name lookup for an address outside 127.0.0.0/8 and ::1 is refused and
written to $GROUNDWORK_SCAN_GUARD_LOG, so a tool that tries to reach out (wapiti 3.0.4 tries
to download its Wappalyzer database whatever modules are chosen) cannot.
"""
import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("GROUNDWORK_SCAN_GUARD_LOG")


def _loopback(host):
    host = str(host or "").strip("[]").split("%")[0]
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what, host):
    message = "scan guard: refused %s %s (%s)" % (what, host, os.path.basename(sys.argv[0] or "python"))
    if _LOG:
        with open(_LOG, "a") as fh:
            fh.write(message + "\n")
    raise OSError(message)


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        _refuse("lookup of", host)
    return _getaddrinfo(host, *args, **kwargs)


def _wrap(method):
    def checked(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _refuse("connection to", address[0])
        return method(self, address)
    return checked


socket.getaddrinfo = getaddrinfo
socket.socket.connect = _wrap(socket.socket.connect)
socket.socket.connect_ex = _wrap(socket.socket.connect_ex)
