from .drafts import register  # noqa: F401
