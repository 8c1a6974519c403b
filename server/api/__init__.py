"""The HTTP API: a declarative endpoint table, one generic command handler, and the OpenAPI
description generated from the same table (so the description cannot drift from the code)."""
