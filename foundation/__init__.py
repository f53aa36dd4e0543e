"""The ground every app stands on, below ``units``: domain errors and the API's error answers,
clean text and date-time input, list bounds and parsers, the fast read serializer, the
project's middleware and the login lockout. It imports no app of this project."""
