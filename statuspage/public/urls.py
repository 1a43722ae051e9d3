from django.urls import include, path

from statuspage.public import views

urlpatterns = [
    path("", views.status_page, name="status-page"),
    path("incidents/<str:incident_id>", views.incident_page, name="incident-page"),
    path("history", views.history_page, name="history"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("language/<str:language>/", views.set_language, name="set-language"),
    path("", include("statuspage.public.subscribe")),
    path("", include("statuspage.public.feeds")),
    path("", include("statuspage.public.uptime")),
    path("", include("statuspage.public.widget")),
    path("", include("statuspage.public.app_status")),
    path("", include("statuspage.public.health")),
]
