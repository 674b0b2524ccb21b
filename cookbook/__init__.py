"""Machinery of the Reading Club Cookbook: executable chapters.

A chapter is a folder with a manifest (``chapter.toml``), numbered snippet
files and recorded transcripts. This package reads the manifests, assembles
the project state at any step, replays the steps, and renders the pages.
"""
