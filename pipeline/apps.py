from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = "Recruitment pipeline"

    def ready(self):
        from signups import outbox, personal_data

        from . import emails
        from .models import Nomination

        outbox.register(
            "introduction_to_candidate",
            render=emails.render_introduction_to_candidate,
            on_sent=emails.introduction_emailed,
        )
        outbox.register(
            "introduction_to_volunteer",
            render=emails.render_introduction_to_volunteer,
            on_sent=emails.introduction_emailed,
        )
        outbox.register("nomination_confirmation", render=emails.render_nomination_confirmation)
        outbox.register(
            "nomination_invitation", render=emails.render_nomination_invitation, on_sent=emails.nomination_invited
        )

        # A nomination names its nominator and nominee by email, not by sign-up, so the
        # deletion collector cannot find it: a data request about either finds it here.
        personal_data.register(Nomination.objects.naming)
