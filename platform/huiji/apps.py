from django.apps import AppConfig


class HuijiConfig(AppConfig):
    name = "huiji"
    verbose_name = "Huiji platform"

    def ready(self):
        from huiji import checks  # noqa: F401 (registers the system checks)
        from huiji.pagecache import connect

        connect()  # anonymous public pages: bump their version when what they show is saved
