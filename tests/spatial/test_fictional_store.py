"""The spatial build step on the FICTIONAL store (3 EPCI, 4 ZE2020: too few for a test of
Moran at EPCI level): the store still builds, says why, and its readers answer."""

import pytest

from pacte.errors import UnknownTerritoryError
from pacte.handlers.basins import basin, basin_ranking, lisa_clusters, spatial_statistics


def test_spatial_tables_on_the_fictional_store(fictional_con):
    moran = spatial_statistics(fictional_con, "epci").data["moran"]
    score = moran.set_index("variable").loc["score"]
    # 3 EPCI, one of them without a neighbour: 2 linked, fewer than the 4 esda needs
    assert score["n"] == 2 and score["n_left_out"] == 1
    assert "au moins 4" in score["note"]
    lisa = lisa_clusters(fictional_con, "epci").data.set_index("code")["cluster"]
    assert lisa.to_dict() == {"200023414": "NS", "200070936": "ISOLE", "247600620": "NS"}
    ze = spatial_statistics(fictional_con, "ze2020").data["moran"]
    assert (ze["n"] == 4).all() and ze["note"].eq("").all()  # 4 zones: tested
    assert basin_ranking(fictional_con).data.empty  # no High-High cluster, no basin
    with pytest.raises(UnknownTerritoryError, match="bassin inconnu"):
        basin(fictional_con, "B001")
