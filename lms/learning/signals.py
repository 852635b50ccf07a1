"""Signals other features subscribe to (certificates listen for completions)."""

from blinker import Namespace

signals = Namespace()

# Sent inside the transaction that completes an enrollment: sender is the app,
# with enrollment= and attempt=. Receivers flush their own rows; the request commits all.
course_completed = signals.signal("course-completed")
