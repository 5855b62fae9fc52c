"""The poller, its schedule, back-off and advice."""
