"""Settings: the catalogue, the schema, the sources and the checks between them."""
