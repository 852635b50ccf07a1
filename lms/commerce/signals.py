"""Signals of commerce: paid seats are turned into licenses by the organizations feature."""

from blinker import Namespace

signals = Namespace()

# Sent inside the fulfillment transaction with order= and line= for a line of purpose "seats".
seats_paid = signals.signal("seats-paid")

# Asked which kind a code is (receivers return "license" when it is one of theirs, else None).
classify_code = signals.signal("classify-code")
