"""Storage: the Store protocol (base.py), the boundary handlers call, and its one implementation:
metadata in SQLite (sqlite_fs.py, with rows.py and uploads.py) and bodies in blob files (blobs.py,
moved in and out by bodies.py), row caches across processes (generation.py). No aiohttp, no HTTP,
no S3 XML (the listing entry it keeps is rendered by a function handed to it)."""
