"""Untrusted text (place and area names, notes) is escaped everywhere it is shown."""
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

from helpers import make_app
from geo.storage.models import Area, Place

EVIL = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def test_evil_names_never_reach_a_page_unescaped(demo_db_url, session_for):
    s = session_for(demo_db_url)
    place = Place(layer="salons", name="サロン" + EVIL, note=EVIL, operator=EVIL, schedule_text="毎週月曜日 " + EVIL,
                  address="奈良県生駒市元町1-1" + EVIL, precision="exact",
                  point=from_shape(Point(135.7006, 34.6919), srid=4326))
    area = Area(kind="elementary", code="evil-1", name="小学校" + EVIL, municipality_code="29209",
                geom=from_shape(MultiPolygon([box(135.69, 34.68, 135.71, 34.70)]), srid=4326))
    s.add_all([place, area])
    s.commit()
    client = make_app(demo_db_url).test_client()
    pages = {
        "/": client.get("/"),
        "/?lang=en": client.get("/?lang=en"),
        f"/place/{place.id}": client.get(f"/place/{place.id}"),
        f"/list?area={area.id}": client.get(f"/list?area={area.id}"),
        "/coverage": client.get("/coverage"),
        "/meeting": client.get("/meeting"),
    }
    for url, r in pages.items():
        assert r.status_code == 200, url
        body = r.get_data(as_text=True)
        assert "<script>window.__pwned" not in body, url
        assert '<img src=x onerror="window.__pwned' not in body, url
    # the name is still shown, as text
    assert "サロン&lt;/script&gt;" in pages[f"/place/{place.id}"].get_data(as_text=True)


def test_evil_area_name_is_in_the_map_data_but_inert(demo_db_url, session_for):
    s = session_for(demo_db_url)
    s.add(Area(kind="elementary", code="evil-2", name="小学校" + EVIL, municipality_code="29209",
               geom=from_shape(MultiPolygon([box(135.69, 34.68, 135.71, 34.70)]), srid=4326)))
    s.commit()
    body = make_app(demo_db_url).test_client().get("/").get_data(as_text=True)
    # present (the district is drawn and labelled) but only as data inside the map config, whose
    # JSON escapes < > & as \u003c \u003e \u0026 (map.js then sets it as textContent)
    assert "evil-2" in body
    assert "\\u003c/script\\u003e" in body
    assert "</script><script>window.__pwned" not in body and 'onerror="window.__pwned' not in body
