"""Places resolved in their document's context, and the gazetteer they come from."""

from tasks.entities.gazetteer import demonyms, distance_km, place_candidates, small_places
from tasks.entities.places import PlaceMention, dateline_places, resolve_document_places


def resolve(text, names, dateline=None):
    mentions = []
    for name in names:
        start = text.index(name, mentions[-1].end if mentions else 0)
        mentions.append(PlaceMention(start, start + len(name), name, "GPE"))
    return resolve_document_places(text, dateline, mentions)


def test_a_name_with_a_division_word_is_the_division_not_its_capital():
    found = resolve("Leaders from Kherson and Zaporizhzhia regions met in Kyiv.", ["Kherson", "Zaporizhzhia", "Kyiv"])
    assert [(p.feature_class, p.admin1_code) for p in found.places] == [
        ("admin1", "UA-65"), ("admin1", "UA-23"), ("city", "UA-30")]
    (oblast,) = resolve("Shelling in Zaporizhia Oblast.", ["Zaporizhia Oblast"]).places
    assert (oblast.feature_class, oblast.name) == ("admin1", "Zaporizhzhia Oblast")
    (republic,) = resolve("the Donetsk People's Republic said", ["Donetsk People's Republic"]).places
    assert republic.admin1_code == "UA-14"


def test_a_region_named_in_a_list_or_once_with_a_region_word_is_the_division_throughout_the_story():
    text = ("Russia annexed the Donetsk, Luhansk, Kherson and Zaporozhye regions. In the capital of Zaporozhye "
            "region, sirens sounded. Officials in Zaporozhye accused Kyiv. Floods hit the Houston region.")
    found = resolve(text, ["Donetsk", "Luhansk", "Kherson", "Zaporozhye", "Zaporozhye", "Zaporozhye", "Houston"])
    assert [p.admin1_code for p in found.places[:6]] == ["UA-14", "UA-09", "UA-65", "UA-23", "UA-23", "UA-23"]
    assert {p.feature_class for p in found.places[:6]} == {"admin1"}
    assert found.places[6].feature_class == "city"  # a metro area, not Texas
    (mexico,) = resolve("Cases in Mexico and the United States rose.", ["Mexico"]).places
    assert mexico.feature_class == "country"


def test_an_ambiguous_name_is_resolved_by_the_document_not_only_by_population():
    (paris,) = resolve("Tornado hits Paris, Texas.", ["Paris"]).places
    assert (paris.country_code, paris.admin1_code) == ("US", "US-TX")
    texan = resolve("In Texas, storms reached Paris overnight.", ["Texas", "Paris"]).places
    assert texan[1].admin1_code == "US-TX"
    (french,) = resolve("Fashion week opens in Paris.", ["Paris"]).places
    assert french.country_code == "FR"
    county, _ = resolve("Floods in Kent, the UK's Environment Agency said.", ["Kent", "UK"]).places
    assert (county.feature_class, county.country_code) == ("admin2", "GB")


def test_a_spelling_geonames_lists_for_a_town_does_not_outrank_the_place_it_names():
    assert place_candidates("Missouri")[0].admin1_code == "US-MO"  # GeoNames lists it for Bozeman
    assert "Piqua" not in {p.name for p in place_candidates("Washington")}
    assert place_candidates("New York")[0].name == "New York City"  # a city of world renown keeps it
    assert place_candidates("Mykolaiv")[0].feature_class == "city"  # its division's own capital keeps it


def test_a_state_outranks_a_town_of_its_name_and_a_capital_the_state_of_its_name():
    assert [resolve(f"Storms hit {name} overnight.", [name]).places[0].admin1_code
            for name in ("Oregon", "Delaware", "Ontario", "Washington")] == ["US-OR", "US-DE", "CA-ON", "US-DC"]
    cities = resolve("the southern cities of Mykolaiv and Odessa were hit", ["Mykolaiv", "Odessa"]).places
    assert [(p.feature_class, p.country_code) for p in cities] == [("city", "UA"), ("city", "UA")]


def test_a_division_of_the_storys_country_outranks_a_country_the_story_says_nothing_else_about():
    us = resolve("Cases rose in Texas, Florida and Georgia, US officials said.",
                 ["Texas", "Florida", "Georgia", "US"]).places
    assert (us[2].feature_class, us[2].admin1_code) == ("admin1", "US-GA")
    caucasus = resolve("Russia sent troops into Georgia and Tbilisi was shelled.", ["Russia", "Georgia", "Tbilisi"])
    assert caucasus.places[1].feature_class == "country"


def test_us_counties_are_placed_at_their_towns_and_read_in_their_state():
    (laurel,) = resolve("A crash in Laurel County closed the road.", ["Laurel County"]).places
    assert laurel.feature_class == "admin2" and laurel.admin1_code == "US-KY"
    assert distance_km((laurel.latitude, laurel.longitude), (37.11, -84.12)) < 30
    _, dallas = resolve("Alabama officials said Dallas County schools closed.", ["Alabama", "Dallas County"]).places
    assert dallas.admin1_code == "US-AL"
    assert place_candidates("Dallas County")[0].admin1_code == "US-TX"  # the most people, without context


def test_state_and_province_abbreviations_as_local_news_writes_them():
    assert [place_candidates(a)[0].admin1_code for a in ("Ky.", "W.Va.", "D.C.", "Sask.", "NSW")] == [
        "US-KY", "US-WV", "US-DC", "CA-SK", "AU-NSW"]
    assert place_candidates("KY") == place_candidates("LA") == ()  # postal codes alone: too often something else
    towns = resolve("Crews from Glasgow, Ky., and Buffalo, NY, helped.", ["Glasgow", "Buffalo", "NY"]).places
    assert [p.admin1_code for p in towns] == ["US-KY", "US-NY", "US-NY"]


def test_focus_country_and_place_come_from_the_mentions_and_the_dateline():
    found = resolve("Russia said Kyiv and Kharkiv were hit; Ukraine denied it.",
                    ["Russia", "Kyiv", "Kharkiv", "Ukraine"], dateline="MOSCOW, Russia")
    assert found.focus_country == "RU" and found.focus_place.name == "Russia"
    assert [p.name for p in dateline_places("MOSCOW, Russia")] == ["Moscow", "Russia"]
    nothing = resolve_document_places("No places here.", None, [])
    assert (nothing.focus_country, nothing.focus_place) == (None, None)


def test_every_kind_of_place_has_a_location_from_the_packages():
    kyiv = place_candidates("Kiev")[0]
    assert distance_km((kyiv.latitude, kyiv.longitude), (50.45, 30.52)) < 5
    assert place_candidates("Ukraine")[0].feature_class == "country"
    assert place_candidates("Europe")[0].feature_class == "continent"
    donbas = place_candidates("Donbass")[0]
    assert donbas.feature_class == "region" and 47 < donbas.latitude < 50
    assert place_candidates("the West")[0].latitude is None  # a bloc, not a place on the map
    assert small_places("Henley-on-Thames")[0].country_code == "GB"
    assert demonyms()["ukrainian"].country_code == "UA" and demonyms()["american"].country_code == "US"


def test_a_nationality_is_where_its_country_is_but_stays_its_own_entity():
    import polars as pl

    from tasks.entities.places import locate_places

    text = "Russian forces left Kherson; Syrians fled."
    entities = pl.DataFrame({"doc_id": ["d"] * 3, "start_char": [0, 20, 29], "end_char": [7, 27, 36],
                             "text": ["Russian", "Kherson", "Syrians"], "label": ["NORP", "GPE", "NORP"]})
    documents = pl.DataFrame({"doc_id": ["d"], "text": [text], "dateline": [None]}, schema_overrides={
        "dateline": pl.String})
    located, _ = locate_places(entities, documents)
    assert located["external_id"].to_list() == [None, "iso3166-2:UA-65", None]
    assert located["country_code"].to_list() == ["RU", "UA", "SY"]
    assert located["feature_class"].to_list() == ["country", "admin1", "country"]


def test_each_place_says_what_chose_it_for_its_confidence():
    found = resolve("Police in Paris, Texas, and in Kyiv and Ukraine said.", ["Paris", "Texas", "Kyiv", "Ukraine"])
    paris, texas, kyiv, ukraine = found.evidence
    assert paris["decided_by"] == "qualified" and paris["candidates"] > 0 and paris["margin"] > 0
    assert ukraine["decided_by"] == "only" and ukraine["feature_class"] == "country"
    assert kyiv["in_focus"] == 1.0 and kyiv["exact_name"] == 1.0
    nothing = resolve_document_places("No places here, Xyzzyville.", None,
                                      [PlaceMention(16, 26, "Xyzzyville", "GPE")])
    assert nothing.places == [None] and nothing.evidence == [None]
