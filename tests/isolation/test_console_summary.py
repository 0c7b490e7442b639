"""The operator console's summary (shared_apps/platform_stats) is the platform's, not an
association's: a refresh counts each association in its own schema only, and nobody but an
operator reaches the console's table or its refresh: an association's staff and members get
the login page on the base domain (their sessions mean nothing there) and 404 on their own
association's host (the console is not routed there)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from shared_apps.platform_stats.models import AssociationSummary
from shared_apps.platform_stats.services import summary_refresh
from shared_apps.platform_stats.tests.data import NOW, build
from tenants.models import Association

pytestmark = pytest.mark.django_db


def test_each_association_is_counted_in_its_own_schema(alpha, beta):
    with schema_context("alpha"):
        build()
    ours = summary_refresh(Association.objects.get(slug="alpha"), now=NOW)
    theirs = summary_refresh(Association.objects.get(slug="beta"), now=NOW)
    assert (ours.members_active, ours.outbox_pending) == (3, 2)
    assert (theirs.members_active, theirs.outbox_pending, theirs.revenue_year_fen) == (0, 0, 0)


@pytest.mark.parametrize("role", ["hq_admin", "finance", "member"])
def test_association_people_never_reach_the_console(alpha, role):
    summary_refresh(Association.objects.get(slug="alpha"), now=NOW)
    # the browser tests' server may have left committed rows of the demo associations
    before = sorted(AssociationSummary.objects.values_list("association_id", "refreshed_at"))
    own_host = alpha.client(role)
    assert own_host.get("/console/").status_code == 404
    assert own_host.post("/console/refresh/").status_code == 404
    base = alpha.client(role)
    base.defaults["HTTP_HOST"] = "localhost"
    assert base.get("/console/").status_code == 302  # to the operator's login
    response = base.post("/console/refresh/")
    assert response.status_code in (302, 403)
    # nothing refreshed by them
    assert sorted(AssociationSummary.objects.values_list("association_id",
                                                         "refreshed_at")) == before
