from django.urls import path

from trusts import views

app_name = "trusts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<slug:panel>/", views.panel_csv, name="csv"),
    path("verify/", views.verify, name="verify"),
    path("leads/", views.leads, name="leads"),
    path("threshold/", views.threshold, name="threshold"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<str:key>/revoke/", views.revoke_token, name="revoke_token"),
]
