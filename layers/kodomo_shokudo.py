from layers import PlaceLayer

LAYER = PlaceLayer(
    id="kodomo_shokudo", name_ja="子ども食堂", name_en="Children's cafeterias (kodomo shokudo)",
    colour="#D55E00", icon="食", target_population="age_0_14", target_label_ja="0〜14歳",
    walking_radius_m=1000, default_target_groups=("こども", "子育て世帯"), order=30,
    popup_fields=("schedule_text", "address", "operator", "fees", "reservation", "phone"),
)
