"""The public HTTP door of liudong: validates requests and turns them into RPC calls.

It holds no business rules; the services decide, the gateway translates.
"""
