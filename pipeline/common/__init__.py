"""common layer."""
