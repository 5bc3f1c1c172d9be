"""Haven's settings, with the benchmark's URLs on school hosts."""

from haven.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
