"""An entity's id: a hash of its identity key (`tasks.entities.canonical.identity_key`), so one entity has
one id in every run, and a place's is derived from its gazetteer id alone."""

from __future__ import annotations

import hashlib


def entity_id_for(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def place_key(external_id: str) -> str:
    """The identity key of the place with gazetteer id `external_id`."""
    return f"PLACE|{external_id}"


def place_entity_id(external_id: str) -> str:
    return entity_id_for(place_key(external_id))
