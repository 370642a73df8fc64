from django.urls import path

from payers import views

app_name = "payers"
urlpatterns = [
    path("", views.payer_list, name="list"),
    path("add/", views.add_payer, name="add"),
    path("<int:pk>/settings/", views.edit_payer, name="edit"),
    path("<int:pk>/", views.payer_detail, name="detail"),
    path("<int:pk>/drafts/", views.start_draft, name="start_draft"),
    path(
        "<int:pk>/authorisation-codes/",
        views.add_requirement,
        name="add_requirement",
    ),
    path(
        "authorisation-codes/<int:pk>/remove/",
        views.remove_requirement,
        name="remove_requirement",
    ),
    path("authorisations/", views.authorisations, name="authorisations"),
    path("next-quarter/", views.next_quarter, name="next_quarter"),
    path("from-denials/", views.draft_from_denials, name="draft_from_denials"),
    path("next-quarter/replay/", views.replay_next_quarter, name="replay_next_quarter"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/overrides/", views.override_search, name="overrides"),
    path("versions/<int:pk>/overrides/set/", views.set_override, name="set_override"),
    path("versions/<int:pk>/try/", views.try_it, name="try_it"),
    path("versions/<int:pk>/impact/", views.impact, name="impact"),
    path("versions/<int:pk>/publish/", views.publish, name="publish"),
    path("versions/<int:pk>/discard/", views.discard_draft, name="discard"),
    path("versions/<int:pk>/retire/", views.retire, name="retire"),
]
