"""The console's page of one association shows that association only: its administrators
and its operator actions, never another's; and no association's staff reach it."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Association
from tenants.operator_services import association_rename
from tests.harness import PASSWORD


@pytest.mark.django_db
def test_the_page_of_one_association_shows_nothing_of_another(alpha, beta):
    operator = Client(HTTP_HOST="localhost")
    operator.post("/login/", {"username": "operator", "password": PASSWORD})
    user = operator.get("/console/").wsgi_request.user
    association_rename(acting_user=user, association=Association.objects.get(slug="beta"),
                       name="Beta Society (renamed)")
    page = operator.get("/console/associations/alpha/").content.decode()
    alpha_admin, beta_admin = alpha.user("hq_admin"), beta.user("hq_admin")
    assert alpha_admin.name in page
    assert str(beta_admin.public_id) not in page and "beta.localhost" not in page
    assert "Beta Society (renamed)" not in page  # beta's audit row is not alpha's

    # Beta's HQ administrator, on its own host or carrying its session to the base domain,
    # never reaches a console page.
    own_host = beta.client("hq_admin")
    assert own_host.get("/console/associations/alpha/").status_code == 404
    own_host.defaults["HTTP_HOST"] = "localhost"
    assert own_host.get("/console/associations/alpha/").status_code == 302
    assert own_host.post("/console/associations/alpha/suspend/",
                         {"reason": "x", "confirm": "yes"}).status_code == 302
    assert Association.objects.get(slug="alpha").status == "active"
