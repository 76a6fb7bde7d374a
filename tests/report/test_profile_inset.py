"""The map inset resampled only where the territory is painted (columns it reaches, pasted
on the background downscaled once) is the image resampled whole, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pacte.report import profile_charts as pc


def _whole(img):
    w, h = img.size
    return img.resize((w // pc.SUPERSAMPLE, h // pc.SUPERSAMPLE), Image.LANCZOS)


@pytest.mark.parametrize("x0, x1", [(0, 4), (2, 60), (400, 403), (700, 839), (835, 839),
                                    (0, 839)])
def test_columns_resampled_equal_the_whole_image(x0, x1):
    """A noisy background (every column differs) with a red shape and its 3-pixel outline
    at the left edge, in the middle, at the right edge, across the whole width."""
    rng = np.random.default_rng(7)
    bg = Image.fromarray(rng.integers(0, 256, (797, 840, 3), dtype=np.uint8))  # h % 3 != 0
    img = bg.copy()
    ImageDraw.Draw(img).polygon([(x0, 100), (x1, 130), (x0, 500)], fill=pc.TERRITORY_COLOR,
                                outline="#000000", width=pc.SUPERSAMPLE)
    fast = pc._downscale(img, _whole(bg), (x0, x1))
    assert fast.tobytes() == _whole(img).tobytes()


def test_insets_equal_the_whole_resampling(con, monkeypatch):
    """EPCI of every size (the ring of the smallest too) and an overseas département."""
    codes = [r[0] for r in con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY population").fetchall()]
    cases = [("epci", c, None) for c in codes[:3] + codes[len(codes) // 2:][:3] + codes[-3:]]
    cases.append(("dep", "974", "974"))
    fast = [pc.render_inset(con, *case) for case in cases]
    assert sum(f is not None for f in fast) >= 9
    monkeypatch.setattr(pc, "_downscale", lambda img, small=None, painted=None: _whole(img))
    assert [pc.render_inset(con, *case) for case in cases] == fast
