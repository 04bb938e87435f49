from layers import PlaceLayer

# Many 縁側 open in private homes: their exact spot is never shown to the public by default.
LAYER = PlaceLayer(
    id="engawa", name_ja="地域の縁側・居場所", name_en="Engawa and community hangouts",
    colour="#E69F00", icon="縁", target_population="age_65_over", walking_radius_m=800,
    marker_shape="square", marker_colour="#8a5a00",
    coverage_thresholds={"min_places": 1, "min_covered_share": 0.5, "min_per_1000": None},
    default_precision="approximate", default_target_groups=("誰でも",), order=20,
)
