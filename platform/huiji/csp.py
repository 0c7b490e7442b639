"""The Content-Security-Policy header (Django 5.2 has none built in).

The policy is a setting (`CONTENT_SECURITY_POLICY`, enforced; `..._REPORT_ONLY`, reported),
read on each response so tests can override it. Pages load scripts and styles only from the
static files (huiji/huiji.js, huiji.css): no inline script, style attribute or on*= handler, so
no nonce is needed. A view that sets its own header keeps it.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for header, setting in (("Content-Security-Policy", "CONTENT_SECURITY_POLICY"),
                                ("Content-Security-Policy-Report-Only",
                                 "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
            policy = getattr(settings, setting, "")
            if policy and header not in response:
                response[header] = policy
        return response
