"""The open standards the map speaks, framework-free (no Flask here; web/ogc.py, web/hsds.py and
the place page are thin wrappers):

- ogc.py     OGC API – Features, Part 1 Core (GeoJSON, HTML, OpenAPI 3.0): collections per place
             layer and per area kind with data, items with bbox / limit / datetime / filters.
- hsds.py    Open Referral HSDS 3.0: services, organizations, service_at_locations, taxonomies,
             schedules as RFC 5545 rule objects.
- ical.py    RFC 5545 calendar of a place's coming dates (TZID Asia/Tokyo with a VTIMEZONE).
- jsonld.py  schema.org JSON-LD for the public place page.

Privacy is the same rule as everywhere (geo/places/privacy.py): only `public_point` and the
public address leave the database. Hidden places are left out of the OGC collections (a feature
collection is for a map and they have no public location); HSDS and JSON-LD list them without
coordinates, as the public map lists them by name only.
"""
