"""Two associations' people using the real server at the same moment.

The server (`manage.py runserver`, one thread per request) runs Celery tasks inline, as the demo
and any deployment without a broker do: each submission and each decision queues notifications
that are delivered inside the request. A CMES applicant and a CAQ applicant submit, their HQ
administrators return the applications, and again, in parallel threads, round after round.
Every answer must be the asker's own association's, with nothing missing.
"""

from __future__ import annotations

import re
import threading
import uuid

import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context

# Which member type of each demo association starts with an HQ review before payment.
TYPES = {"cmes": "senior", "caq": "unit"}
APPLICANTS = 3  # per association, each in a thread of its own
ROUNDS = 5


def _session_for(user) -> str:
    """A logged-in session stored in the current association's schema, as the login page
    would leave it (the password form is tested elsewhere; this test is about what follows)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


@pytest.fixture(scope="module")
def people(demo_tenants, django_db_blocker):
    """Per association: applicants with a complete application each, and the HQ
    administrator; committed, for the server to see."""
    from tenant_apps.accounts.models import User
    from tenant_apps.applications.services import application_start
    from tenant_apps.applications.tests.helpers import applicant, complete
    from tenant_apps.configuration.models import MemberType

    found = []
    with django_db_blocker.unblock():
        for slug, type_code in TYPES.items():
            with schema_context(slug):
                member_type = MemberType.objects.get(code=type_code)
                admin = _session_for(User.objects.get(email=f"admin@{slug}.test"))
                for n in range(APPLICANTS):
                    tag = uuid.uuid4().hex[:6]
                    who = applicant(9100 + n, name=f"{slug}并发申请人{tag}",
                                    phone=f"1370{n}{uuid.uuid4().int % 10**6:06d}",
                                    email=f"concurrent-{tag}@{slug}.test")
                    application = application_start(applicant=who, member_type=member_type,
                                                    rank=member_type.ranks.first())
                    complete(application)
                    found.append({"slug": slug, "name": who.name, "user": who.pk,
                                  "application": str(application.public_id),
                                  "member": _session_for(who), "admin": admin})
        connection.set_schema_to_public()
    return found


class _Browser:
    """One person's cookies on one association's host, through the real server."""

    def __init__(self, port: int, slug: str, session_key: str):
        # *.localhost is resolved by browsers, not by every resolver: connect to the loopback
        # address and name the association in the Host header, as a browser would.
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.headers["Host"] = f"{slug}.localhost:{port}"
        self.http.cookies.set("sessionid", session_key)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"{path}: no form ({page.status_code})"
        return self.http.post(self.base + path, data={"csrfmiddlewaretoken": token[1], **data},
                              timeout=30, allow_redirects=False)


def _rounds(server: int, slug: str, others: list[str], person: dict, problems: list) -> None:
    member = _Browser(server, slug, person["member"])
    admin = _Browser(server, slug, person["admin"])
    application = person["application"]
    for n in range(ROUNDS):
        submitted = member.post(f"/apply/{application}/confirm/", {})
        if submitted.status_code != 302:
            problems.append((slug, n, "submit", submitted.status_code))
            return
        review = admin.get(f"/review/{application}/")
        if review.status_code != 200 or person["name"] not in review.text \
                or any(other in review.text for other in others):
            problems.append((slug, n, "review page", review.status_code))
            return
        reason = f"{slug}第{n}轮退回"
        returned = admin.post(f"/review/{application}/", {
            "decision": "return", "reason": reason,
            "position": re.search(r'name="position" value="(\d+)"', review.text)[1]})
        if returned.status_code != 302:
            problems.append((slug, n, "return", returned.status_code))
            return
        home = member.get("/member/")
        if home.status_code != 200 or reason not in home.text \
                or any(other in home.text for other in others):
            problems.append((slug, n, "member home", home.status_code))
            return


@pytest.mark.django_db
def test_two_associations_in_parallel_each_see_only_their_own(server, people):
    from tenant_apps.notifications.models import OutboxMessage

    problems: list = []
    threads = []
    for person in people:
        others = [p["name"] for p in people if p["slug"] != person["slug"]]
        threads.append(threading.Thread(target=_rounds, args=(
            server, person["slug"], others, person, problems)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not problems, problems
    # Every message the submissions and decisions wrote was taken up in its own association:
    # a task run in the wrong schema tries some other association's message of that number
    # and leaves its own untouched.
    for person in people:
        with schema_context(person["slug"]):
            mine = OutboxMessage.objects.filter(recipient_id=person["user"])
            assert mine.count() >= 2 * ROUNDS
            untouched = list(mine.filter(attempts=0).values_list("event", "channel"))
            assert untouched == [], (person["slug"], untouched)
