from .social_images import register  # noqa: F401
