"""Spatial structure of the score: contiguity (libpysal), Moran's I and local Moran (esda),
candidate industrial basins (contiguous groupings of 1 to 4 EPCI), computed at build time."""
