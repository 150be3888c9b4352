"""Request plumbing every operation shares: the context, body reading, access checks and common
response pieces."""
