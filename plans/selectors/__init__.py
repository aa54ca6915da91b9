"""Reads that plan pages, PDFs and reports share, one module a subject."""
