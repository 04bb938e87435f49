"""Geocoding: address normalisation, gazetteers and the offline geocoder."""
