from django.urls import path

from . import views

app_name = "action_plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sections/", views.edit_sections, name="sections"),
    path("<int:pk>/milestones/add/", views.add_milestone, name="add_milestone"),
    path("<int:pk>/milestones/<int:milestone_id>/", views.milestone, name="milestone"),
    path("<int:pk>/milestones/<int:milestone_id>/update/", views.update_milestone,
         name="update_milestone"),
    path("<int:pk>/milestones/<int:milestone_id>/edit/", views.edit_milestone,
         name="edit_milestone"),
    path("<int:pk>/milestones/<int:milestone_id>/delete/", views.delete_milestone,
         name="delete_milestone"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("<int:pk>/pilots/add/", views.pilot, name="add_pilot"),
    path("<int:pk>/pilots/<int:pilot_id>/", views.pilot, name="edit_pilot"),
    path("<int:pk>/mous/add/", views.add_mou, name="add_mou"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/pdf/status/", views.pdf_status, name="pdf_status"),
    path("<int:pk>/pdf/prepare/", views.prepare_pdf, name="prepare_pdf"),
]
