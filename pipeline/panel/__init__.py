"""panel layer."""
