from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = "Recruitment pipeline"

    def ready(self):
        from signups import personal_data

        from .models import Nomination

        # A nomination names its nominator and nominee by email, not by sign-up, so the
        # deletion collector cannot find it: a data request about either finds it here.
        personal_data.register(Nomination.objects.naming)
