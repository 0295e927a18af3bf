"""The security scan's helper (scripts/scan): HTTP set-up against the local app, and the summary of the tools' output.

Standard library and support/ only (wapiti runs it with the system Python). It talks to 127.0.0.1
and nothing else: every URL it is given is checked, and proxies from the environment are ignored.
"""
