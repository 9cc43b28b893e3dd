"""Documents drawn from presented text: the partnership card (PNG), PDFs, a DOCX; no database."""
