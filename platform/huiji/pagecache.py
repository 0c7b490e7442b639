"""An association's public pages as HTML, cached per association, language, path and content
version, for anonymous visitors only (docs/operations.md, "Page speed").

Most visitors of an association's site are anonymous and read the same landing, join and
announcement pages; rendering them cost about ten times a bare view (queries for the site
content, the switches, the announcements, a template). `@public_page` keeps the rendered HTML
in the `pages` cache (Redis in production, shared by every process):

- **Where**: with a shared cache (`CACHE_URL`, Redis); `PAGE_CACHE_SECONDS` 0 (the default
  without one) turns it off, since each process's local memory would keep pages that a change
  made in another process could not end.
- **Who gets a cached page**: a GET without a query string, without a session or messages
  cookie and without an Authorization header, on an association's host. Everyone else (a
  signed-in member or staff, a visitor with a pending message) goes through the view as
  before and neither reads nor writes the cache.
- **What is stored**: only a 200 that sets no cookie, put no CSRF token in the page, added no
  message and changed no session, so the HTML is the same for every anonymous visitor of that
  association in that language (the language switch posts without a token for this reason:
  huiji/urls_common.py).
- **Invalidation**: each association has a version number in the cache; a page is stored with
  the version read *before* it was rendered and served only while that is still the version.
  Saving or deleting any model the pages read (`PAGE_MODELS`), and the association's own row
  (name, status, domains), bumps the version after the transaction commits, so the next
  anonymous request renders afresh: a staff change shows at once. A page is also stored with
  the day it was rendered (fees take effect by date) and for at most `PAGE_CACHE_SECONDS`, or
  until the next scheduled announcement goes live (`valid_until`).

Nothing is kept on the process or any shared object: the cache is the only state, and the
request carries what one request decides.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django_tenants.utils import get_public_schema_name

CACHE = "pages"

# The tenant models whose rows the cached pages show (the landing page: site content,
# switches, public announcements, member news; the join page: member types, ranks, fees,
# materials, review steps, notices, ways to pay; the announcement list). A save or delete of
# any of them bumps the association's page version. Rows written by queryset.update() or
# bulk_create() send no signal: the services that do so call `pages_changed()` themselves.
PAGE_MODELS = (
    "portal.SiteContent",
    "announcements.AnnouncementSettings", "announcements.Announcement",
    "announcements.AnnouncementAttachment",
    "submissions.SubmissionSettings", "submissions.Submission",
    "roster.RosterSettings",
    "configuration.AssociationSettings", "configuration.MemberType", "configuration.Rank",
    "configuration.Fee", "configuration.UploadRequirement", "configuration.ReviewStep",
    "configuration.Notice", "configuration.PaymentAccount",
    "configuration.ConfigurationRevision",
    "council_forms.CouncilForm",
)


def _cache():
    return caches[CACHE]


def _version_key(schema: str) -> str:
    return f"v:{schema}"


def _page_key(schema: str, language: str, path: str) -> str:
    return f"p:{schema}:{language}:{path}"


def _anonymous_get(request) -> bool:
    """A request whose page is the same for every anonymous visitor (see the module)."""
    tenant = getattr(request, "tenant", None)
    return (settings.PAGE_CACHE_SECONDS > 0 and request.method == "GET"
            and not request.META.get("QUERY_STRING")
            and tenant is not None and tenant.schema_name != get_public_schema_name()
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META)


def caching(request) -> bool:
    """Whether this request's page is being rendered for the cache (a view or tag may then
    say how long it holds: `valid_until`)."""
    return getattr(request, "_page_cache_key", None) is not None


def valid_until(request, moment: dt.datetime | None) -> None:
    """The page being rendered changes by itself at `moment` (a scheduled announcement goes
    live): keep it no longer than that."""
    if moment is None or not caching(request):
        return
    current = getattr(request, "_page_cache_until", None)
    request._page_cache_until = moment if current is None else min(current, moment)


def _storable(request, response) -> bool:
    """The response is the same for every anonymous visitor: nothing in it or beside it was
    made for this one."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if any(word in response.get("Cache-Control", "") for word in ("private", "no-store",
                                                                   "no-cache")):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a CSRF token went into the page
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    storage = getattr(request, "_messages", None)
    return not (storage is not None and (storage.added_new or len(storage)))


def _timeout(request) -> int:
    timeout = settings.PAGE_CACHE_SECONDS
    until = getattr(request, "_page_cache_until", None)
    if until is not None:
        timeout = min(timeout, int((until - timezone.now()).total_seconds()))
    return timeout


def _current_version(cache, key: str) -> int:
    # A start from the clock: after the key was evicted, no page stored under an older number
    # can match the new one.
    cache.add(key, time.time_ns(), timeout=None)
    return cache.get(key)


def public_page(view):
    """Serve the view's page from the cache to anonymous visitors (see the module)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _anonymous_get(request):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Cookie",))
            return response
        cache = _cache()
        schema = request.tenant.schema_name
        version_key = _version_key(schema)
        page_key = _page_key(schema, request.LANGUAGE_CODE, request.path)
        found = cache.get_many([version_key, page_key])
        version, entry = found.get(version_key), found.get(page_key)
        today = timezone.localdate().isoformat()
        if version is not None and entry is not None and entry[:2] == (version, today):
            response = HttpResponse(entry[2], content_type=entry[3])
        else:
            if version is None:
                version = _current_version(cache, version_key)
            request._page_cache_key = page_key
            response = view(request, *args, **kwargs)
            if _storable(request, response) and (timeout := _timeout(request)) > 0:
                cache.set(page_key, (version, today, response.content,
                                     response["Content-Type"]), timeout)
        # The same URL shows a signed-in person their own page: shared caches must know.
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped


def _bump(schema: str) -> None:
    cache = _cache()
    key = _version_key(schema)
    try:
        cache.incr(key)
    except ValueError:  # never set or evicted: no page can be stored under a new start
        cache.add(key, time.time_ns(), timeout=None)


def pages_changed(schema: str | None = None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """The association's public pages change when the current transaction on `using` commits
    (at once outside one). `schema`: the association's, by default the connection's."""
    conn = connections[using]
    schema = schema or getattr(conn, "schema_name", None)
    if not schema or schema == get_public_schema_name():
        return
    # One bump per schema and transaction, however many rows it saves (a profile applied):
    # one still waiting for this commit will do.
    for entry in getattr(conn, "run_on_commit", ()):
        if getattr(entry[1], "page_schema", None) == schema and not entry[1].ran:
            return

    def bump():
        bump.ran = True
        _bump(schema)

    bump.page_schema, bump.ran = schema, False
    transaction.on_commit(bump, using=using)


def _tenant_row_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    pages_changed(using=using)


def _association_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    pages_changed(getattr(instance, "schema_name", None), using=using)


def _domain_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    tenant = getattr(instance, "tenant", None)
    pages_changed(getattr(tenant, "schema_name", None), using=using)


def connect() -> None:
    """Called once from the huiji app's ready()."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for label in PAGE_MODELS:
        model = apps.get_model(label)
        post_save.connect(_tenant_row_changed, sender=model,
                          dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(_tenant_row_changed, sender=model,
                            dispatch_uid=f"pagecache-delete-{label}")
    for label, receiver in (("tenants.Association", _association_changed),
                            ("tenants.Domain", _domain_changed)):
        model = apps.get_model(label)
        post_save.connect(receiver, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pagecache-delete-{label}")
