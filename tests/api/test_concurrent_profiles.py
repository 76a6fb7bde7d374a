"""Concurrent PDF and HTML profile requests to the server (its thread pool) all succeed, and
the profiles asked afterwards are still right: nothing drawn is shared between requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from pacte.api import Settings, create_app


def test_concurrent_pdf_requests_then_later_ones(fictional_store, fictional_con):
    """Eight requests at once (two PDFs among six HTML pages: WeasyPrint's layout is slow,
    so the pages' charts are drawn while the PDFs render); each page is the one drawn alone,
    and the PDF of the first EPCI is byte for byte the one drawn alone afterwards (a
    profile's PDF is deterministic)."""
    codes = [r[0] for r in fictional_con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    # the heavy-route limit raised so that all 8 renders run at once (not refused with 503)
    app = create_app(Settings(db=fictional_store, web=False, max_heavy=8))
    with TestClient(app) as client:
        def get(code: str, fmt: str):
            r = client.get(f"/api/profile/epci/{code}", params={"format": fmt})
            return r.status_code, r.headers.get("content-type", ""), r.content

        alone = {c: get(c, "html") for c in codes}
        jobs = [(codes[0], "pdf"), (codes[1], "pdf")] + [
            (codes[k % len(codes)], "html") for k in range(6)]
        with ThreadPoolExecutor(len(jobs)) as pool:
            together = list(pool.map(lambda j: get(*j), jobs))
        assert [s for s, _t, _b in together] == [200] * len(jobs)
        for (code, fmt), (_s, ctype, body) in zip(jobs, together, strict=True):
            if fmt == "pdf":
                assert ctype == "application/pdf" and body.startswith(b"%PDF-")
            else:
                assert body == alone[code][2]  # the same page as drawn alone
        for code in codes:  # later requests: still served, still the same
            assert get(code, "html") == alone[code]
        later = get(codes[0], "pdf")  # and a PDF still renders, the same as drawn together
        assert later == (200, "application/pdf", together[0][2])
