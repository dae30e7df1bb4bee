"""Command line: parses arguments, calls the pipeline, prints. No decisions live here."""

from tacal.cli.main import cli, main

__all__ = ["cli", "main"]
