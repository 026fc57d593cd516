"""The project's URLs plus the bare baselines the benchmark compares against.

``berniecrat.urls`` uses ``i18n_patterns``, which Django allows only in a root URLconf
(never through ``include``), so its patterns are copied in as they are.
"""

from django.urls import path

from berniecrat.urls import urlpatterns as project_urlpatterns

from . import views

urlpatterns = [
    path("bench/hello", views.hello, name="bench-hello"),
    path("bench/insert", views.insert, name="bench-insert"),
    path("bench/form", views.form, name="bench-form"),
    *project_urlpatterns,
]
