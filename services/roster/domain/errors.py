class RosterRuleViolation(Exception):
    """A request the roster's rules refuse; ``code`` is one of contracts.errors.ErrorCode."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
