"""Spatial structure of the score: queen contiguity, Moran's I and local Moran (computed as
libpysal and esda compute them, with numpy and scipy), candidate industrial basins (contiguous
groupings of 1 to 4 EPCI), computed at build time."""
