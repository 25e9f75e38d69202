"""Wire protocols Kubat speaks, as plain pydantic objects: the bottom layer.

Nothing here imports Django or any Kubat app, so a protocol version can be added (OCPI 2.3.0
beside 2.2.1) or tested without the registry, and the registry's vocabulary is built from the
wire vocabulary rather than the other way round. One sub-package per protocol, one per
version inside it, as the ocpp library does with its `v16`/`v201` packages.
"""
