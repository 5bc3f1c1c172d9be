"""Record transfers, on a school's host: pupils and transfers by number only; the receipt
link by its token (public: the token is the key)."""

from django.urls import path

from safeguarding.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfers, name="list"),
    path("pupils/<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/", views.outgoing, name="outgoing"),
    path("<int:pk>/resend/", views.resend, name="resend"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/bundle/", views.bundle, name="bundle"),
    path("incoming/<int:pk>/", views.incoming, name="incoming"),
    path("incoming/<int:pk>/accept/", views.accept, name="accept"),
    path("incoming/<int:pk>/reject/", views.reject, name="reject"),
    path("received/<int:pk>/", views.received, name="received"),
    path("received/files/<int:pk>/", views.received_attachment, name="received_file"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
]
