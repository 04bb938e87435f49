from layers import PlaceLayer

LAYER = PlaceLayer(
    id="kodomo_shokudo", name_ja="子ども食堂", name_en="Children's cafeterias (kodomo shokudo)",
    colour="#D55E00", icon="食", target_population="age_0_14", walking_radius_m=1000,
    marker_shape="diamond", marker_colour="#b34700",
    coverage_thresholds={"min_places": 1, "min_covered_share": 0.5, "min_per_1000": None},
    default_target_groups=("こども", "子育て世帯"), default=True, order=30,
    popup_fields=("schedule_text", "address", "operator", "fees", "reservation", "phone"),
)
