"""typology layer."""
