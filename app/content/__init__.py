"""Teaching content: loaded and validated once at start-up into immutable objects."""
from app.content.loader import load_catalog
from app.content.model import Catalog
from app.content.problems import ContentError

__all__ = ["Catalog", "ContentError", "catalog", "load_catalog"]


def catalog() -> Catalog:
    """The catalogue loaded by create_app for the current app."""
    from flask import current_app

    return current_app.extensions["catalog"]
