from layers import PlaceLayer

LAYER = PlaceLayer(
    id="support_branches", name_ja="相談窓口・地域包括支援センター", name_en="Support desks and community care centres",
    colour="#009E73", icon="相", target_population="total", target_label_ja="全人口",
    walking_radius_m=2000, default_target_groups=("誰でも",), order=40,
    popup_fields=("schedule_text", "address", "operator", "phone", "url"),
)
