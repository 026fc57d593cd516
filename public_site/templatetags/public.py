"""``{% district_statuses point %}``: the statuses of the districts at a submitted point.

For pages of lower layers that must show public statuses without importing this app
(the sign-up thank-you page, ``templates/signups/thanks.html``): the template names
the tag, the Python dependencies still run one way (public -> signups -> districts).
"""

from django import template

from ..selectors import place_at_point
from ..views import place_rows

register = template.Library()


@register.inclusion_tag("public/includes/_statuses.html")
def district_statuses(point):
    """``point``: ``(lat, lng)`` of the place the visitor gave, or None (nothing shown)."""
    if not point:
        return {"rows": []}
    lat, lng = point
    return {"rows": place_rows(place_at_point(lat=lat, lng=lng))}
