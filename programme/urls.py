from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("map/", views.world_map, name="map"),
    path("<int:pk>/", views.partnership, name="partnership"),
]
