from django.urls import path

from claims.views import prices, remittance, review

app_name = "claims"
urlpatterns = [
    path("worklist/", review.worklist, name="worklist"),
    path("encounters/<int:pk>/", review.review, name="review"),
    path("encounters/<int:pk>/diagnoses/", review.add_diagnosis, name="add_diagnosis"),
    path(
        "encounters/<int:pk>/diagnoses/<int:dpk>/remove/",
        review.remove_diagnosis,
        name="remove_diagnosis",
    ),
    path(
        "encounters/<int:pk>/administrations/<int:apk>/ndc/",
        review.record_ndc,
        name="record_ndc",
    ),
    path(
        "encounters/<int:pk>/administrations/<int:apk>/340b/",
        review.record_340b,
        name="record_340b",
    ),
    path("encounters/<int:pk>/pointers/", review.set_pointers, name="set_pointers"),
    path("encounters/<int:pk>/overrides/", review.add_override, name="add_override"),
    path(
        "encounters/<int:pk>/overrides/<int:opk>/withdraw/",
        review.withdraw_override,
        name="withdraw_override",
    ),
    path("encounters/<int:pk>/check/", review.check_codes, name="check_codes"),
    path("encounters/<int:pk>/finalise/", review.finalise, name="finalise"),
    path("encounters/<int:pk>/reopen/", review.reopen, name="reopen"),
    path(
        "encounters/<int:pk>/practitioners/",
        review.set_practitioners,
        name="set_practitioners",
    ),
    path(
        "encounters/<int:pk>/claims/<int:cpk>/payer-number/",
        review.record_payer_number,
        name="record_payer_number",
    ),
    path("exports/", review.export, name="export"),
    path("prices/", prices.prices, name="prices"),
    path("remittance/", remittance.remittance, name="remittance"),
    path("denials/", remittance.denials, name="denials"),
    path("fees/", remittance.fees, name="fees"),
]
