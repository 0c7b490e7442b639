from tenant_apps.accounts.capabilities import capability_required

# Configuration is changed by HQ administrators only (capabilities.py,
# configuration.manage). Other staff see a clear refusal; anonymous visitors are sent to log in.
hq_admin_required = capability_required("configuration.manage",
                                        template="configuration/manage/forbidden.html")
