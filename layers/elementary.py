from layers import AreaLayer

LAYER = AreaLayer(id="elementary", name_ja="小学校区", name_en="Elementary school districts",
                  colour="#332288", weight=2, order=110)
