from django.urls import path

from statuspage.monitors.views import AlertWebhook

urlpatterns = [path("api/alerts/<str:token>/", AlertWebhook.as_view(), name="alert-webhook")]
