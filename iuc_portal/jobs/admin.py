from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["key", "task", "state", "attempts", "queued_at", "started_at", "finished_at",
                    "last_error"]
    list_filter = ["state", "task"]
    search_fields = ["key"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False
