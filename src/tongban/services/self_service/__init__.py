"""Self-service (自助办) and assisted online filing (网办辅导, SPEC.md C11).

``kiosks``: a centre manager registers the kiosks of their centre and pairs each device with a
one-time code; ``visits``: one identified visitor at a kiosk, ended at submission, by the
visitor or after the idle time; ``filing``: what a visitor files, as themself, on the
self-service channel; ``assisted``: a clerk at an assisted online filing desk files an online
application with a citizen who consents there with their citizen code.
"""
