"""TemplateSv: build a text from a ``$name`` template.

Port of the 2017 manual's ``template_sv.py`` example (``clink.service`` ->
``clink_template``). ``TemplateSv`` takes only the ``AppConf`` now: the manual's
``AuthConf`` argument was never used by it. The manual passes the organisation's
name and address positionally, where ``AppConf`` expects the licence and the
version: they are given by keyword here. The manual's printed output ends in
"Unlimit", a cut in the page; the value, and so the output, is "Unlimited".
"""

from clink_core import AppConf
from clink_template import TemplateSv

app_conf = AppConf("dead-book", org_name="Hell Corporation", org_addr="1st Hell Street")

template_sv = TemplateSv(app_conf)

report_tpl = (
    "REPORT: MOTOCYCLE SPEC\n"
    "AUTHOR: $author\n\n"
    "Name       : $name\n"
    "Price      : $price\n"
    "Color      : $color\n"
    "Power      : $power"
)
values = {
    "author": "Johnny Blaze",
    "name": "Hell Cycle",
    "price": "Not for Sale",
    "color": "Black - Red Fire",
    "power": "Unlimited",
}
report = template_sv.build_str(report_tpl, values)
print(report)
