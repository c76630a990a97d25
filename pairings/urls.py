from django.urls import path

from . import views

app_name = "pairings"

urlpatterns = [
    path("", views.partnerships, name="partnerships"),
    path("<int:pk>/publication/", views.publication, name="publication"),
]
