"""Numbered schema scripts for playhouse.migrations; applied in order when the store opens."""
