from layers import PlaceLayer

LAYER = PlaceLayer(
    id="salons", name_ja="サロン・通いの場", name_en="Salons and gathering places",
    colour="#0072B2", icon="サ", target_population="age_65_over", target_label_ja="65歳以上",
    walking_radius_m=800, default_target_groups=("高齢者",), order=10,
    popup_fields=("schedule_text", "address", "operator", "fees", "reservation", "phone"),
)
