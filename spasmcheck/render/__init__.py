"""Renderers: results in, strings out. The CLI decides where the strings go."""
