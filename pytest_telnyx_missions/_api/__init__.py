"""The API's own vocabulary: models, errors, the request as read and the answer as bytes,
the invalid-request catalog. Imports nothing else of the package."""
