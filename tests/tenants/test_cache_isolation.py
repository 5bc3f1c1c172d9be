"""The cache is one Redis for every school; each key carries its school's schema."""

from __future__ import annotations

import uuid

from django.core.cache import cache


def test_the_same_cache_key_holds_a_value_per_school(abbey, westleigh):
    key = f"probe-{uuid.uuid4()}"
    with abbey:
        cache.set(key, "abbey's value")
    with westleigh:
        assert cache.get(key) is None
        cache.set(key, "westleigh's value")
    with abbey:
        assert cache.get(key) == "abbey's value"
    assert cache.get(key) is None  # nor on the platform
    with abbey:
        cache.delete(key)
    with westleigh:
        cache.delete(key)
