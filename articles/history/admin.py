"""The admin's History of an object (each version with its editor and the time to the
second) and a page comparing any two of its versions, each with a link to restore it
(reversion's revision form). Mixed into a reversion VersionAdmin, before it."""

from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from reversion.errors import RevertError

from . import compare, snapshots, versions


class CompareVersionsMixin:
    object_history_template = "admin/history/object_history.html"
    compare_template = "admin/history/compare.html"
    # Stored fields that are not content (statistics): never compared.
    compare_exclude = ()
    # Followed relations shown in a compare, by related name, in this order.
    compare_parts = ()
    history_per_page = 100

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{opts.app_label}_{opts.model_name}_compare",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            # Django's answers: back to the list with a message, or 403.
            return super().history_view(request, object_id, extra_context)
        listed = self._versions(request, obj)
        page = Paginator(listed[::-1], self.history_per_page).get_page(request.GET.get("page"))
        context = {
            "versions": page,
            "comparable": len(listed) > 1,
            "compare_url": self._url("compare", obj),
            # Preselected: the two latest versions.
            "from_id": listed[-2].pk if len(listed) > 1 else None,
            "to_id": listed[-1].pk if listed else None,
        }
        return super().history_view(request, object_id, context | (extra_context or {}))

    def compare_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("Not found.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        by_id = {version.pk: version for version in self._versions(request, obj)}
        older, newer = sorted(_picked(request, by_id), key=lambda version: version.number)
        try:
            comparison = compare.between(older, newer, self.compare_shape(request, obj))
        except RevertError as error:  # saved in a form of the entry reversion can't read
            self.message_user(request, f"These versions can't be compared: {error}", messages.ERROR)
            return redirect(self._url("history", obj))
        inline = request.GET.get("view") == "inline"
        picked = {"from": older.pk, "to": newer.pk}
        opts = self.model._meta
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "object": obj,
            "title": f"Compare versions {older.number} and {newer.number} of “{obj}”",
            "older": older,
            "newer": newer,
            "comparison": comparison,
            "inline": inline,
            "side_url": "?" + urlencode(picked),
            "inline_url": "?" + urlencode(picked | {"view": "inline"}),
            "history_url": self._url("history", obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.compare_template, context)

    def compare_shape(self, request, obj):
        """What a compare shows: the form's fields in the form's order, and the rows of
        `compare_parts` with their inline's fields in order."""
        inline_fields = {inline.model: inline.fields or () for inline in self.inlines}
        return snapshots.shape(
            self.model,
            order=flatten_fieldsets(self.get_fieldsets(request, obj)),
            exclude=self.compare_exclude,
            parts={
                name: inline_fields.get(self.model._meta.get_field(name).related_model, ())
                for name in self.compare_parts
            },
        )

    def _versions(self, request, obj):
        """versions.of(obj), each with its `restore_url` (none for the latest, which is the
        object as it is, or without the right to change it), `current`, and the address
        comparing it with the version before it."""
        listed = versions.of(obj)
        can_restore = self.has_change_permission(request, obj)
        compare_url = self._url("compare", obj)
        for version in listed:
            version.current = version is listed[-1]
            version.restore_url = (
                self._url("revision", obj, version.pk)
                if can_restore and not version.current
                else None
            )
            if version.previous:
                version.compare_previous_url = (
                    f"{compare_url}?{urlencode({'from': version.previous.pk, 'to': version.pk})}"
                )
        return listed

    def _url(self, name, obj, *args):
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}",
            args=(quote(obj.pk), *args),
        )


def _picked(request, by_id):
    """The two versions named by ?from= and ?to=, which must be versions of this object."""
    try:
        picked = [by_id.get(int(request.GET[key])) for key in ("from", "to")]
    except (KeyError, ValueError):
        raise Http404("Pick two versions to compare.") from None
    if None in picked:
        raise Http404("Not a version of this object.")
    return picked
