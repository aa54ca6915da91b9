"""The head every data table has, written once: its caption and its column headings, from
translatable labels, in one line of the template instead of one ``<th>`` a line."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_headings(*labels: str) -> SafeString:
    """A column heading (``<th scope="col">``) a label, in order, escaped. Give the labels as
    ``_("Date")``, so that makemessages finds them and each is translated when rendered:
    ``<thead><tr>{% column_headings _("Date") _("Kind") %}</tr></thead>``."""
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))


@register.simple_tag
def table_head(*labels: str, caption: str, hide_caption: bool = False) -> SafeString:
    """What a screen reader announces of a table, in one line: its caption (shown, or only
    read out with ``hide_caption=True``) and its head row of column headings:
    ``{% table_head _("Date") _("Kind") caption=_("Contacts, newest first") %}``."""
    return format_html(
        "<caption{}>{}</caption>\n<thead><tr>{}</tr></thead>",
        format_html(' class="{}"', "visually-hidden") if hide_caption else "",
        caption,
        column_headings(*labels),
    )
