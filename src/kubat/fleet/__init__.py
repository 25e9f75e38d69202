"""The EV fleet: the model catalogue, vehicle registrations and domestic production.

The catalogue holds the specifications the charging network plans for (battery, connectors in
OCPI terms, maximum AC and DC power, consumption). Registrations are the fleet itself, one row
per VIN; a CSV import is all-or-nothing with a report of every rejected line. The quotas app
asks `fleet.services.find_model` whether a declared make and model is known.
"""
