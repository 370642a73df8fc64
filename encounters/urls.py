from django.urls import path

from encounters import views

app_name = "encounters"
administration = "<int:pk>/administrations/<int:apk>"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("drugs/", views.drugs, name="drugs"),
    path("<int:pk>/", views.encounter, name="encounter"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/sites/", views.add_site, name="add_site"),
    path(
        "<int:pk>/administrations/", views.add_administration, name="add_administration"
    ),
    path(f"{administration}/start/", views.start_administration, name="start"),
    path(f"{administration}/pause/", views.pause_administration, name="pause"),
    path(f"{administration}/resume/", views.resume_administration, name="resume"),
    path(f"{administration}/stop/", views.stop_administration, name="stop"),
    path(f"{administration}/correct/", views.correct_time, name="correct"),
    path(
        f"{administration}/edit/", views.edit_administration, name="edit_administration"
    ),
    path("<int:pk>/documented/", views.mark_documented, name="mark_documented"),
    path("<int:pk>/send-to-coding/", views.send_to_coding, name="send_to_coding"),
    # Registration, for coders and admins.
    path("patients/", views.patients, name="patients"),
    path("patients/new/", views.register_patient, name="register_patient"),
    path("patients/import/", views.import_patients_file, name="import_patients"),
    path("patients/<int:pk>/", views.patient, name="patient"),
    path("patients/<int:pk>/edit/", views.edit_patient, name="edit_patient"),
    path("patients/<int:pk>/coverages/", views.add_coverage, name="add_coverage"),
    path(
        "patients/<int:pk>/coverages/<int:cpk>/edit/",
        views.edit_coverage,
        name="edit_coverage",
    ),
    path(
        "patients/<int:pk>/coverages/<int:cpk>/end/",
        views.end_coverage_on,
        name="end_coverage",
    ),
]
