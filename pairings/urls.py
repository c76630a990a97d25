from django.urls import path

from . import views

app_name = "pairings"

urlpatterns = [
    path("", views.partnerships, name="partnerships"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("proposals/<int:pk>/accept/", views.accept, name="accept"),
    path("proposals/<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/publication/", views.publication, name="publication"),
]
