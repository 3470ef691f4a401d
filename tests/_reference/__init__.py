"""Plain, slow, obvious reference implementations that tests compare the package against."""
