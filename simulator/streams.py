"""Named random streams: one independent numpy Generator per source of randomness.

A replication owns one ``numpy.random.SeedSequence``; each source (a product's arrivals,
its order sizes, each customer trait, its potential customers' goodwill draws
``("product", ID, "goodwill")``, a supplier's lead times, its disruptions) gets its
own Generator derived from that sequence and the source's *name*. A stream therefore does
not depend on which other streams exist or in what order they are used, which is what makes
every policy of a replication see the same customers (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_words(name: str) -> tuple[int, ...]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class RandomStreams:
    """Hands out one Generator per stream name, all derived from one SeedSequence."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.seed = seed

    def generator(self, *name: str) -> np.random.Generator:
        """The Generator of the stream called ``name``, e.g. ``("product", "w", "arrivals")``."""
        key = "\x1f".join(name)
        child = np.random.SeedSequence(
            entropy=self.seed.entropy,
            spawn_key=(*self.seed.spawn_key, *_name_words(key)),
            pool_size=self.seed.pool_size,
        )
        return np.random.Generator(np.random.PCG64(child))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One child SeedSequence per replication; child r depends only on (seed, r)."""
    return np.random.SeedSequence(seed).spawn(replications)
