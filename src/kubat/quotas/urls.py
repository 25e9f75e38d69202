from django.contrib.auth import views as auth_views
from django.urls import path

from kubat.quotas import views

app_name = "quotas"

urlpatterns = [
    path("quotas/", views.period_list, name="periods"),
    path("quotas/periods/<int:pk>/", views.period_detail, name="period"),
    path("quotas/certificates/<str:number>/", views.certificate, name="certificate"),
    path("quotas/certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("quotas/vehicles/", views.vehicle_lookup, name="vehicle"),
    path("quotas/broker/", views.broker_desk, name="broker"),
    path("quotas/customs/", views.customs_desk, name="customs"),
    path("quotas/broker/requests/<int:pk>/", views.broker_request, name="broker-request"),
    path("quotas/broker/requests/<int:pk>/withdraw/", views.broker_withdraw, name="withdraw"),
    path(
        "quotas/login/",
        auth_views.LoginView.as_view(
            template_name="quotas/login.html", next_page="/quotas/broker/"
        ),
        name="login",
    ),
]
