"""Authentication: SigV4, aws-chunked bodies, POST policies and ACLs."""
