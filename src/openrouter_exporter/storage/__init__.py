"""Where state outlives the process: the embedded SQLite store."""
