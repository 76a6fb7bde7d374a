"""pacte: intelligence industrielle territoriale (open territorial industrial intelligence)."""

__version__ = "0.1.0"
