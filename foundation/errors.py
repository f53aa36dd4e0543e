"""Domain errors raised by services, mapped to HTTP answers by the API and the pages."""


class ActionRefused(Exception):
    """The action is not allowed in the object's current state (answered 409)."""

    status_code = 409

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message = message
        # What a client needs to decide its next step (e.g. ``{"effect": "downgrade"}``): added
        # beside ``detail`` in the API's 409 answer.
        self.extra = extra
