"""Who sent a request and what they may do: identity, SigV4 and SigV2, aws-chunked bodies, POST
policies and ACLs. Pure: no aiohttp, no I/O."""
