"""The profile's « Finances locales » and « Montée en gamme » blocks where the fetched files
are absent (the fictional store): each says how to get the data, in the JSON and the HTML."""

from __future__ import annotations

from pacte.handlers.dcrtp_territory import HOW_TO as FINANCE_HOW_TO
from pacte.handlers.diversify import HOW_TO as URSSAF_HOW_TO


def test_profile_says_how_to_get_the_real_data(fictional_con):
    from pacte.handlers.profile import profile
    from pacte.report.profile import render_html

    code = fictional_con.execute("SELECT code FROM epci ORDER BY code LIMIT 1").fetchone()[0]
    ans = profile(fictional_con, code, "epci")
    local = ans.data["local"]
    assert local["finances"] == {"available": False, "title": "Finances locales",
                                 "message": FINANCE_HOW_TO, "donnees": None}
    assert local["diversification"]["available"] is False
    assert local["diversification"]["message"] == URSSAF_HOW_TO
    html = render_html(fictional_con, ans, charts=False)
    assert "Finances locales" in html and "pacte fetch ofgl_rei" in html
    assert "Montée en gamme" in html and "pacte fetch urssaf_commune_ape" in html
