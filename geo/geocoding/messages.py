"""Geocoding and search messages, {code: (ja, en)}, merged into geo.vocab.MESSAGES.

The geocoder returns a reason code and a note code with parameters; these are their words.
"""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # why an address was not placed, or placed coarsely
    "geocode.address_empty": ("住所が空です", "empty address"),
    "geocode.address_withheld": ("住所は非公開です（位置を公開しない場所として登録します）",
                                 "the address is withheld (registered as a place whose location is not public)"),
    "geocode.municipality_unknown": ("市区町村がわかりません", "no municipality in the address and none given"),
    "geocode.municipality_no_data": ("この市区町村の住所データがありません: {name}",
                                     "no gazetteer loaded for {name}"),
    "geocode.municipality_ambiguous": ("市区町村を特定できません: {names}（都道府県を書いてください）",
                                       "ambiguous municipality: {names} (give the prefecture)"),
    "geocode.town_not_found": ("町名が見つかりません: {text}", "town not found: {text}"),
    "geocode.town_ambiguous": ("町名が複数の区にあります: {names}", "the town is in several wards: {names}"),
    "geocode.municipality_point_used": ("町名が見つかりません。市区町村の代表点です: {text}",
                                        "town not found, municipality point used: {text}"),
    "geocode.chome_not_found": ("丁目が見つかりません: {label} — 町の中心で代用",
                                "chome not found: {label} — town centroid used"),
    "geocode.chome_missing": ("丁目がありません。町の中心で代用: {base}",
                              "no chome in the address, town centroid used: {base}"),
    "geocode.town_no_point": ("町の位置がありません: {base}", "town has no point: {base}"),
    "geocode.coarser_than_chome": ("町丁目より粗い位置です", "coarser than 町丁目"),
    # repairs: what the geocoder read differently from what was written
    "geocode.note.cho_omitted": ("「町」を補って照合しました: {town}", "read as {town}, 町 omitted"),
    "geocode.note.iteration_mark": ("漢字の間の「-」を「々」と読みました: {town}",
                                    "read '-' between kanji as 々: {town}"),
    "geocode.note.text_after_town": ("町名の後の文字を無視しました: {text}",
                                     "ignored text after the town name: {text}"),
    "geocode.note.address_municipality_preferred": (
        "住所の市区町村 {city} を優先しました（指定は {given}）",
        "the address names {city}, not the given municipality {given}"),
    "geocode.note.municipality_supplied": ("住所に市区町村がないため {city} として照合しました",
                                           "no municipality in the address; read as {city}"),
    "geocode.note.municipality_from_postcode": ("郵便番号 {postcode} から市区町村 {city} を補いました",
                                                "municipality {city} taken from postcode {postcode}"),
    "geocode.note.municipality_spelling": ("市区町村名の表記ゆれ: {written} → {matched}",
                                           "municipality spelled {written}, read as {matched}"),
    "geocode.note.town_spelling": ("町名の表記ゆれ: {written} → {matched}",
                                   "town spelled {written}, read as {matched}"),
    "geocode.note.former_municipality": ("旧市区町村名 {written} を現在の {current} と読みました",
                                         "former municipality {written} read as today's {current}"),
    "geocode.note.predecessor_data": ("{current} の町名を旧区域 {former} の住所データで照合しました",
                                      "{current}: town matched in the data of the former {former}"),
    "geocode.note.ward_supplied": ("区が書かれていないため {city} として照合しました",
                                   "no ward in the address; read as {city}"),
    "geocode.note.street_directions": ("通り名・上る下るを読み飛ばしました: {text}",
                                       "skipped the street directions: {text}"),
    "geocode.note.stray_character": ("名前の中の余分な記号を取り除きました: {text}",
                                     "removed a stray symbol inside a name: {text}"),
    "geocode.note.katakana_numeral": ("カタカナを漢数字と読みました: {written} → {read}",
                                      "read katakana as a kanji numeral: {written} → {read}"),
    "geocode.note.district_word": ("地域自治区の「区」を除いて照合しました: {text}",
                                   "matched without the district word: {text}"),
    "geocode.note.address_withheld": ("住所が非公開のため、位置を公開しない場所として登録しました: {address}",
                                      "the address is withheld; registered with its location not public: {address}"),
    "geocode.note.postcode_ignored": ("郵便番号を読み飛ばしました: {postcode}", "skipped the postcode {postcode}"),
    # resident search
    "search.nothing_near": ("この近くに登録された場所はありません", "No places are registered near here"),
    "search.postcode_unknown": ("郵便番号 {postcode} が見つかりません", "Postcode {postcode} not found"),
}
