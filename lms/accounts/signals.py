"""Signals of accounts."""

from blinker import Namespace

signals = Namespace()

# Sent when a new account confirms its e-mail address, with user=. Receivers may return a message
# (text, category) for the user, e.g. about the code given at registration.
account_confirmed = signals.signal("account-confirmed")
