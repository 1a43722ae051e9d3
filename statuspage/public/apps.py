from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "statuspage.public"
    label = "public"
