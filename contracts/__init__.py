"""The public interfaces of liudong: event catalogue, RPC payload schemas, error codes.

Imported by every service and by the gateway; imports none of them.
"""
