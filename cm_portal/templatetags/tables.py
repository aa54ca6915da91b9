"""The shapes every data table shares (templates/_list_page.html and the tables of the other
pages): one line for a table's column headings instead of one ``<th>`` a line."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_headings(*labels: str) -> SafeString:
    """A column heading (``<th scope="col">``) a label, in order, escaped. Give the labels as
    ``_("Date")``, so that makemessages finds them and each is translated when rendered:
    ``<thead><tr>{% column_headings _("Date") _("Kind") %}</tr></thead>``."""
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))
