from layers import PlaceLayer

LAYER = PlaceLayer(
    id="support_branches", name_ja="相談窓口・地域包括支援センター", name_en="Support desks and community care centres",
    colour="#009E73", icon="相", target_population="total", walking_radius_m=2000,
    marker_shape="triangle", marker_colour="#00785a",
    coverage_thresholds={"min_places": 1, "min_covered_share": 0.8, "min_per_1000": None},
    default_target_groups=("誰でも",), has_consultation=True, order=40,
    popup_fields=("schedule_text", "address", "operator", "phone", "url"),
)
