"""Adapters: the service layer's ports implemented with real infrastructure."""
