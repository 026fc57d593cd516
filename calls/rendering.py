"""A team's script, written in Markdown by organizers, shown to callers as safe HTML.

Markdown (the ``markdown`` package) turns it into HTML; ``nh3`` (the Ammonia sanitizer)
then keeps a small set of tags (paragraphs, emphasis, lists, headings, quotes, links)
and drops everything else: raw HTML, scripts, event handlers, images, styles. Links get
``rel="noopener noreferrer"`` and only http(s)/mailto/tel schemes survive.
"""

from urllib.parse import quote

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "code",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def script_html(text: str) -> SafeString:
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitized by nh3 just above


def sms_link(phone: str, template: str, *, first_name: str, caller: str) -> str:
    """An ``sms:`` link with the team's text filled in, for the caller's own phone (the server sends nothing)."""
    body = template.replace("{first_name}", first_name).replace("{caller}", caller)
    return f"sms:+{phone}?&body={quote(body)}" if body else f"sms:+{phone}"
