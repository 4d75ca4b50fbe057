"""The double-entry journal of every fund movement: postings (pure), tables, posting service, consumers, API."""
