from django.apps import AppConfig


class ReadPathConfig(AppConfig):
    name = "statuspage.readpath"
    label = "readpath"

    def ready(self) -> None:
        from statuspage.status import signals

        signals.page_changed.connect(_render_on_write, dispatch_uid="render-on-write")


def _render_on_write(sender, version: int, **kwargs) -> None:
    from statuspage.celery import enqueue
    from statuspage.readpath import tasks

    enqueue(tasks.render_pages)
