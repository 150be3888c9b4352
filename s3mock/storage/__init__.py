"""Storage: the Store protocol (base.py) and its one implementation, metadata in SQLite and bodies
in blob files (sqlite_fs.py, blobs.py, generation.py). No aiohttp, no HTTP."""
