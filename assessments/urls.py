from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("applications/<int:pk>/", views.assess, name="assess"),
    path("applications/<int:pk>/conflict/", views.conflict, name="conflict"),
    path("applications/<int:pk>/ask/", views.ask, name="ask"),
    path("applications/<int:pk>/letter/", views.letter, name="letter"),
    path("lead/", views.calls, name="calls"),
    path("lead/calls/<slug:call_slug>/", views.ranked, name="ranked"),
    path("lead/calls/<slug:call_slug>/auto-assign/", views.auto_assign, name="auto_assign"),
    path("lead/calls/<slug:call_slug>/export.<str:fmt>", views.export, name="export"),
    path("lead/applications/<int:pk>/", views.lead_application, name="lead_application"),
    path("lead/applications/<int:pk>/assign/", views.assign, name="assign"),
    path("lead/applications/<int:pk>/third/", views.third, name="third"),
    path("lead/applications/<int:pk>/decide/", views.decide, name="decide"),
]
