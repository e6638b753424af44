from .typeset import register  # noqa: F401
