"""Strategy pages under /strategy/, mounted with the portal's language prefixes."""

from django.urls import path

from kubat.strategy import views

app_name = "strategy"

urlpatterns = [
    path("strategy/", views.strategy_page, name="home"),
    path("strategy/desk/", views.desk, name="desk"),
    path("strategy/desk/targets/", views.add_target, name="add_target"),
    path("strategy/desk/actions/", views.add_action, name="add_action"),
    path("strategy/desk/decisions/", views.add_decision, name="add_decision"),
    path("strategy/desk/actions/<int:action_id>/", views.action_status, name="action_status"),
    path("strategy/emissions/", views.emissions_page, name="emissions"),
    path("strategy/emissions.csv", views.emissions_csv, name="emissions_csv"),
    path("strategy/investors/", views.investor_page, name="investors"),
    path("strategy/investors.csv", views.investor_csv, name="investors_csv"),
    path("strategy/investors.pdf", views.investor_pdf, name="investors_pdf"),
    path("strategy/reports/<int:report_id>.<str:kind>", views.report_file, name="report"),
]
