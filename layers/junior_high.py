from layers import AreaLayer

LAYER = AreaLayer(id="junior_high", name_ja="中学校区", name_en="Junior high school districts",
                  colour="#882255", weight=4, dash="8 6", order=120)
