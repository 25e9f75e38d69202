"""Insights: is the charging network keeping up with the fleet, where are the gaps, where to build.

Read-only analytics on top of the registry (public EVSEs, their power, connectors and status)
and the fleet (registrations joined to the model catalogue), plus the permit pipeline read
through `kubat.permits.selectors`. Four answers:

- adequacy (`adequacy.py`): the public kW the fleet needs by the fleet-based rule of the country
  profile (AFIR: 1.3 kW per BEV, 0.8 kW per PHEV) against the kW in service, per region and year;
- compatibility (`compatibility.py`): which cars can fast-charge at which public DC stations;
- corridors (`corridors.py`): DC pools placed along the main roads by linear referencing in a
  metric projection, gaps and pools below the distance and power rules, mountain passes;
- siting (`siting.py`): maximal covering and p-median models solved with HiGHS, greedy first.

The analytics modules are pure functions on plain data; `sources.py` is the one place that reads
the registry's and fleet's tables (aggregates only, never a write). Insights owns only its own
tables (corridors, uploaded candidate sites, siting runs, yearly supply snapshots). No lower app
imports insights.
"""
