"""Pages under /permits/ (the site root includes this module)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from kubat.permits import views

app_name = "permits"

urlpatterns = [
    path("permits/", views.home, name="home"),
    path("permits/login/", views.LoginView.as_view(), name="login"),
    path("permits/logout/", auth_views.LogoutView.as_view(next_page="/permits/"), name="logout"),
    path("permits/transparency/", views.transparency, name="transparency"),
    path("permits/cases/", views.case_list, name="cases"),
    path("permits/cases/new/", views.case_form, name="new"),
    path("permits/cases/preview/", views.preview, name="preview"),
    path("permits/cases/<int:pk>/", views.case_detail, name="case"),
    path("permits/cases/<int:pk>/edit/", views.case_form, name="edit"),
    path("permits/cases/<int:pk>/submit/", views.submit, name="submit"),
    path("permits/cases/<int:pk>/documents/", views.upload, name="upload"),
    path("permits/cases/<int:pk>/step/", views.step, name="step"),
    path("permits/cases/<int:pk>/permit.pdf", views.permit_pdf, name="pdf"),
    path("permits/cases/<int:pk>/completeness/", views.completeness, name="completeness"),
    path("permits/cases/<int:pk>/payment/", views.record_payment, name="record_payment"),
    path("permits/cases/<int:pk>/grid-acceptance/", views.accept_grid, name="accept_grid"),
    path("permits/cases/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("permits/cases/<int:pk>/appeal/decision/", views.decide_appeal, name="decide_appeal"),
    path("permits/cases/<int:pk>/change/<str:kind>/", views.change, name="change"),
    path("permits/cases/<int:pk>/transfer-consent/", views.consent, name="consent"),
    path("permits/questions/<int:pk>/answer/", views.answer, name="answer"),
    path("permits/documents/<int:pk>/", views.attachment, name="attachment"),
    path("permits/queue/", views.queue, name="queue"),
    path("permits/approvals/<int:pk>/decide/", views.decide, name="decide"),
    path("permits/secretariat/", views.secretariat, name="secretariat"),
    path("permits/signing-certificate.pem", views.signing_certificate, name="signing_certificate"),
    path("permits/decisions/<str:number>.json", views.decision_file, name="decision"),
    path("permits/register/", views.register_page, name="register"),
    path("permits/register/<str:number>/", views.register_entry, name="register_entry"),
    path("open-data/permits.csv", views.register_csv, name="register_csv"),
]
