"""The domain: what the reading club knows about, free of any infrastructure."""
