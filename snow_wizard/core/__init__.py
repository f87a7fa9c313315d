"""All of snow-wizard's logic. Nothing below this package imports Qt."""
