"""Who may call the gateway and what they may do: principals (people and
county systems), role grants on organisation subtrees, and the audit record."""
