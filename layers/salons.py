from layers import PlaceLayer

LAYER = PlaceLayer(
    id="salons", name_ja="サロン・通いの場", name_en="Salons and gathering places",
    colour="#0072B2", icon="サ", target_population="age_65_over", walking_radius_m=800,
    marker_shape="circle",
    coverage_thresholds={"min_places": 2, "min_covered_share": 0.6, "min_per_1000": 1.0},
    default_target_groups=("高齢者",), order=10,
    popup_fields=("schedule_text", "address", "operator", "fees", "reservation", "phone"),
)
