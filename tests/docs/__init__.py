"""The manual (mkdocs.yml, docs/): its examples run, it builds with --strict, it works offline.

A package, so that ``test_examples`` here and in ``tests/core`` do not collide.
"""
