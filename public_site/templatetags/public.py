"""``{% district_statuses point %}``: the statuses of the districts at a submitted point.

For pages of lower layers that must show public statuses without importing this app
(the sign-up thank-you page, ``templates/signups/thanks.html``): the template names
the tag, the Python dependencies still run one way (public -> signups -> districts).
"""

from django import template

from ..selectors import Place, place_at_point, public_districts_of
from ..views import place_rows

register = template.Library()


@register.inclusion_tag("public/includes/_statuses.html")
def district_statuses(place):
    """``place``: the ``(lat, lng)`` the visitor gave, or ``{chamber: District | None}`` already
    looked up for it, or None (nothing shown)."""
    if not place:
        return {"rows": []}
    if isinstance(place, dict):
        return {"rows": place_rows(Place(districts=public_districts_of(place), quality="point"))}
    lat, lng = place
    return {"rows": place_rows(place_at_point(lat=lat, lng=lng))}
